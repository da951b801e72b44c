"""Which methods a path answers, over every route: for `Allow` on 405, and to tell a malformed
id (404) from a method a fixed path lacks (405).

Starlette's 405 names the methods of the first route whose path matched, so a path served by
several routes (GET and PATCH of /v1/account) listed one. The table here lists them all.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute


@dataclass(frozen=True, slots=True)
class _Path:
    regex: re.Pattern[str]
    fixed: bool  # no parameters: /v1/customers/bulk_tags
    methods: set[str] = field(default_factory=set)


class RouteTable:
    def __init__(self, routes: Iterable[BaseRoute]):
        paths: dict[str, _Path] = {}
        for route in routes:
            template = getattr(route, "path", None)
            methods = getattr(route, "methods", None)
            regex = getattr(route, "path_regex", None)
            if template is None or not methods or regex is None:
                continue
            entry = paths.setdefault(template, _Path(regex, "{" not in template))
            entry.methods.update(methods)
            if "GET" in methods:
                entry.methods.add("HEAD")  # every GET answers HEAD (RFC 9110)
        self._paths = list(paths.values())

    def allowed(self, path: str, *, fixed_only: bool = False) -> list[str]:
        """The methods some route answers on `path`, sorted; [] when no route's path matches.
        A fixed path (/v1/customers/bulk_tags) answers only its own methods, although
        /v1/customers/{customer_id} matches it too: that route refuses it as an id."""
        matching = [entry for entry in self._paths if entry.regex.match(path)]
        chosen = [entry for entry in matching if entry.fixed]
        if not chosen and not fixed_only:
            chosen = matching
        return sorted({method for entry in chosen for method in entry.methods})
