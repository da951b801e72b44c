"""The route index (src/faktura/api/route_index.py) hands each request to the route FastAPI's
own pass over every route would have chosen, and leaves what no route answers in full to it."""

import re
from typing import Any

from starlette.routing import BaseRoute, Match

from faktura.api.route_index import RouteIndex, path_key
from faktura.app import create_app
from faktura.config import Settings
from tests.accounts.factories import ApiClient

SOME_ID = "01890000-0000-7000-8000-000000000000"


def _app() -> Any:
    return create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", redis_url=None))


def _scope(app: Any, method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "app": app,
    }


def _fastapi_choice(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """The first of the application's routes (less the index) that answers `scope` in full."""
    for route in routes:
        if isinstance(route, RouteIndex):
            continue
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return route
    return None


def _index_choice(index: RouteIndex, scope: dict[str, Any]) -> BaseRoute | None:
    match, child_scope = index.matches(dict(scope))
    if match != Match.FULL:
        assert match == Match.NONE
        return None
    route: BaseRoute = child_scope["faktura.routed"]
    return route


def _every_path(app: Any) -> list[tuple[str, str]]:
    """Each method and path of every route in the application, parameters filled in."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[BaseRoute]) -> None:
        for route in routes:
            router = getattr(route, "original_router", None)
            if router is not None:
                walk(router.routes)
            elif getattr(route, "methods", None):
                path = re.sub(r"\{[^}]+\}", SOME_ID, route.path)  # type: ignore[attr-defined]
                found.extend((method, path) for method in route.methods)  # type: ignore[attr-defined]

    walk(app.router.routes)
    return found


def test_the_index_is_the_first_route_of_the_application() -> None:
    app = _app()

    assert isinstance(app.router.routes[0], RouteIndex)


def test_every_route_is_reached_as_fastapi_would_reach_it() -> None:
    app = _app()
    index = app.router.routes[0]
    paths = _every_path(app)

    chosen = {
        (method, path): (
            _index_choice(index, _scope(app, method, path)),
            _fastapi_choice(app.router.routes, _scope(app, method, path)),
        )
        for method, path in paths
    }

    assert len(paths) > 150
    assert [key for key, (ours, theirs) in chosen.items() if ours is not theirs] == []
    assert all(ours is not None for ours, _ in chosen.values())


def test_what_no_route_answers_in_full_is_left_to_fastapi() -> None:
    app = _app()
    index = app.router.routes[0]

    for method, path in [
        ("GET", "/v1/no_such_resource"),
        ("GET", "/nothing/here/at/all"),
        ("DELETE", "/healthz"),  # a path that exists, a method it lacks: FastAPI's 405
        ("PUT", f"/v1/invoices/{SOME_ID}/send"),
        ("GET", "/"),
    ]:
        assert index.matches(_scope(app, method, path)) == (Match.NONE, {}), path


def test_a_request_behind_a_root_path_is_matched_on_the_path_below_it() -> None:
    app = _app()
    scope = {**_scope(app, "GET", "/api/healthz"), "root_path": "/api"}
    index = app.router.routes[0]

    assert _index_choice(index, scope) is _fastapi_choice(app.router.routes, scope)
    assert _index_choice(index, scope) is not None


def test_path_keys() -> None:
    assert path_key("/v1/invoices/abc/send") == ("v1", "invoices")
    assert path_key("/healthz") == ("healthz",)
    assert path_key("/") == ("",)


async def test_requests_are_served_through_the_index(api: ApiClient) -> None:
    health = await api.http.get("/healthz")
    sent = await api.post(f"/v1/invoices/{SOME_ID}/send", {})
    wrong_method = await api.delete("/v1/messages")

    assert health.status_code == 200
    assert sent.status_code == 404
    assert sent.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD"


def test_where_two_routers_answer_a_path_the_first_included_wins() -> None:
    from fastapi import APIRouter, FastAPI

    from faktura.api import route_index

    fixed, general = APIRouter(), APIRouter()
    fixed.add_api_route("/v1/things/special", lambda: "fixed", methods=["GET"])
    general.add_api_route("/v1/things/{thing}", lambda thing: "general", methods=["GET"])
    general.add_api_route("/v1/{anything}", lambda anything: "anything", methods=["GET"])
    for order in ((fixed, general), (general, fixed)):
        app = FastAPI()
        for router in order:
            app.include_router(router)
        index = route_index.install(app.router)

        for path in ("/v1/things/special", "/v1/things/other", "/v1/others"):
            scope = _scope(app, "GET", path)
            assert _index_choice(index, scope) is _fastapi_choice(app.router.routes, scope)
        assert _index_choice(index, _scope(app, "GET", "/v1/things/special")) is next(
            route
            for route in app.router.routes
            if getattr(route, "original_router", None) is order[0]
        )


def test_a_route_added_to_an_included_router_later_is_indexed() -> None:
    from fastapi import APIRouter, FastAPI

    from faktura.api import route_index

    first, second = APIRouter(), APIRouter()
    first.add_api_route("/v1/x/old", lambda: "old", methods=["GET"])
    second.add_api_route("/v1/x/{thing}", lambda thing: "generic", methods=["GET"])
    app = FastAPI()
    app.include_router(first)
    app.include_router(second)
    index = route_index.install(app.router)
    scope = _scope(app, "GET", "/v1/x/new")
    assert _index_choice(index, scope) is _fastapi_choice(app.router.routes, scope)

    first.add_api_route("/v1/x/new", lambda: "new", methods=["GET"])

    chosen = _index_choice(index, scope)
    assert chosen is _fastapi_choice(app.router.routes, scope)
    assert getattr(chosen, "original_router", None) is first
