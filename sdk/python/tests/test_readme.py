"""The README's five-line example runs as written."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

from tests.server import Credentials, FakturaServer

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_five_line_example_runs(server: FakturaServer, account: Credentials) -> None:
    text = README.read_text()
    section = text.split("## The SDK in five lines", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(ast.parse(code).body) == 5

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {"KEY": account.api_key, "API": server.base_url})  # noqa: S102 - our README

    assert re.fullmatch(r"INV-\d{4}-\d{4} 357\.00\n", printed.getvalue())
