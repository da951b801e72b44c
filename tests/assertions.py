"""Assertions shared by the tests of every domain."""

import re

import httpx

REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The response is the one error object of the API, with this status and code; returns it."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert REQUEST_ID.match(error["request_id"])
    assert ("details" in error) == (status == 422)
    return error
