"""Which operation of the OpenAPI document each request was: an httpx response hook matches
the request's method and path against the document's path templates and records the
operationId and the status, independently of how the SDK names its methods."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import httpx


class OperationRecorder:
    def __init__(self, document: dict[str, Any]) -> None:
        self.routes: list[tuple[str, re.Pattern[str], str, int]] = []
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                pattern = "/".join(
                    "[^/]+" if segment.startswith("{") else re.escape(segment)
                    for segment in path.split("/")
                )
                self.routes.append(
                    (
                        method.upper(),
                        re.compile(f"^{pattern}$"),
                        operation["operationId"],
                        path.count("{"),
                    )
                )
        # A path without parameters wins over a template that also matches it.
        self.routes.sort(key=lambda route: route[3])
        self.statuses: dict[str, list[int]] = defaultdict(list)

    @property
    def operation_ids(self) -> set[str]:
        return {route[2] for route in self.routes}

    def operation_of(self, request: httpx.Request) -> str | None:
        for method, pattern, operation_id, _ in self.routes:
            if method == request.method and pattern.match(request.url.path):
                return operation_id
        return None

    def hook(self, response: httpx.Response) -> None:
        operation_id = self.operation_of(response.request)
        if operation_id is not None:
            self.statuses[operation_id].append(response.status_code)

    async def async_hook(self, response: httpx.Response) -> None:
        self.hook(response)

    def succeeded(self) -> set[str]:
        return {op for op, statuses in self.statuses.items() if any(s < 300 for s in statuses)}
