"""Every answer the tests get is one the OpenAPI schema declares for its operation.

The `http` client checks each response: an undeclared status is a schema that lies to the
generated clients (they return None or raise a generic error on it).
"""

import re
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Operation:
    method: str
    pattern: re.Pattern[str]
    statuses: frozenset[int]
    operation_id: str


def operations(spec: dict[str, Any]) -> list[Operation]:
    found = []
    for path, methods in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in methods.items():
            statuses = frozenset(int(code) for code in operation["responses"])
            found.append(Operation(method.upper(), pattern, statuses, operation["operationId"]))
    # A fixed path (…/bulk_tags) before the templated one it also matches (…/{customer_id}).
    found.sort(key=lambda op: op.pattern.pattern.count("[^/]+"))
    return found


class UndeclaredStatus(AssertionError):
    pass


def checker(spec: dict[str, Any]) -> Any:
    known = operations(spec)

    async def check(response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        matches = [op for op in known if op.pattern.match(path)]
        if not matches:
            return  # not an operation of the schema (/pay/…, a path no route has)
        # The most specific path answers alone: a method it does not take is a 405, which is
        # no operation's answer.
        path_of = [op for op in matches if op.pattern == matches[0].pattern]
        operation = next((op for op in path_of if op.method == request.method), None)
        if operation is None or response.status_code in operation.statuses:
            return
        await response.aread()
        raise UndeclaredStatus(
            f"{request.method} {path} answered {response.status_code}, which its operation "
            f"does not declare (it declares {sorted(operation.statuses)}): {response.text[:300]}"
        )

    return check
