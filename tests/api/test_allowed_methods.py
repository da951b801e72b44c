"""405 names every method a path answers; a malformed id in the path is 404 before anything the
body has wrong; a fixed path reached with a method it lacks is 405, not an id error."""

import re
from typing import Any

import httpx

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error

SOME_ID = "01890000-0000-7000-8000-000000000000"
METHODS = ("get", "post", "patch", "put", "delete")


async def _spec(http: httpx.AsyncClient) -> dict[str, Any]:
    spec: dict[str, Any] = (await http.get("/openapi.json")).json()
    return spec


def _declared(operations: dict[str, Any]) -> list[str]:
    methods = {m.upper() for m in operations if m in METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


async def test_every_path_answers_405_with_all_its_methods(api: ApiClient) -> None:
    spec = await _spec(api.http)
    wrong: list[str] = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        declared = _declared(operations)
        missing = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in declared)
        url = _fill(path, SOME_ID)
        # A fixed path such as /v1/customers/bulk_tags answers its own methods only, although
        # it matches /v1/customers/{id} too (which would refuse it as an id).
        expected = declared
        response = await api.http.request(
            missing, url, headers={"Authorization": f"Bearer {api.key}"}
        )
        if response.status_code != 405 or response.headers.get("allow") != ", ".join(expected):
            wrong.append(
                f"{missing} {path}: {response.status_code} {response.headers.get('allow')}"
            )
        else:
            assert_error(response, 405, "method_not_allowed")
    assert wrong == []


async def test_options_on_the_account_lists_get_head_and_patch(api: ApiClient) -> None:
    response = await api.http.options("/v1/account")

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, PATCH"


async def test_a_malformed_id_is_404_before_the_body_on_every_route(api: ApiClient) -> None:
    spec = await _spec(api.http)
    wrong: list[str] = []
    for path, operations in spec["paths"].items():
        if "{" not in path or not path.startswith("/v1/"):
            continue
        for method in operations:
            if method not in METHODS:
                continue
            url = _fill(path, "not-a-uuid")
            body = {"bogus": 1} if method in ("post", "patch") else None
            response = await api.http.request(
                method.upper(), url, json=body, headers={"Authorization": f"Bearer {api.key}"}
            )
            if response.status_code != 404 or response.json()["error"]["code"] != "not_found":
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert wrong == []


async def test_patch_on_a_post_only_fixed_path_is_405(api: ApiClient) -> None:
    response = await api.patch(
        "/v1/customers/bulk_tags", json={"customer_ids": [SOME_ID], "add_tag_ids": []}
    )

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


async def test_patch_of_a_malformed_customer_id_with_a_bad_body_is_404(api: ApiClient) -> None:
    response = await api.patch("/v1/customers/not-a-uuid", json={"company_name": 5, "x": 1})

    assert assert_error(response, 404, "not_found")["message"] == "No such object"
