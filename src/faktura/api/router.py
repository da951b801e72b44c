"""The router every domain's routes hang on."""

from fastapi import APIRouter

from faktura.api.routing import ApiRoute


def api_router(tag: str) -> APIRouter:
    return APIRouter(prefix="/v1", tags=[tag], route_class=ApiRoute)
