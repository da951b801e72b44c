"""JSON in and out with exact decimals: amounts travel as JSON numbers, never through float."""

import json
from decimal import Decimal
from typing import Any

import simplejson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from faktura.core.jsoncodec import dumps, loads


class FakturaJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(content: Any, status_code: int = 200) -> FakturaJSONResponse:
    """The response of every API route; a schema instance is dumped with its Python values."""
    if isinstance(content, BaseModel):
        content = content.model_dump(mode="python")
    return FakturaJSONResponse(content, status_code=status_code)


class FakturaRequest(Request):
    """A request whose JSON body keeps decimals exact."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads(body)
            except simplejson.JSONDecodeError as exc:
                raise json.JSONDecodeError(exc.msg, exc.doc, exc.pos) from exc
            except (ValueError, UnicodeDecodeError) as exc:
                raise json.JSONDecodeError(str(exc), "", 0) from exc
            if isinstance(self._json, Decimal):
                # A body that is a bare number is refused like any non-object; as a Decimal it
                # would pass for an object with no attributes, i.e. an empty body.
                self._json = float(self._json)
        return self._json
