"""The README's five-minute tour runs as written, twice, against a served Faktura."""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.listeners import free_port
from tests.test_cli import faktura

pytestmark = pytest.mark.slow  # starts a server: `make test-fast` leaves it out

ROOT = Path(__file__).resolve().parents[1]


def tour_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A five-minute tour", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A demo-like account (ILS, Israel) with a test key, and `faktura serve` on a free port."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'tour.db'}"
    assert faktura(database_url, "migrate").returncode == 0
    account = json.loads(
        faktura(
            database_url,
            "accounts",
            "create",
            "--name",
            "Demo",
            "--currency",
            "ILS",
            "--country",
            "IL",
            "--json",
        ).stdout
    )
    key = json.loads(
        faktura(database_url, "keys", "create", "--account", account["id"], "--json").stdout
    )["key"]
    port = str(free_port())
    env = {**os.environ, "FAKTURA_DATABASE_URL": database_url, "FAKTURA_PORT": port}
    server = subprocess.Popen(
        [sys.executable, "-m", "faktura.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield key, port
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_tour(key: str, port: str) -> str:
    script = tour_script().replace("KEY=fk_test_…", f"KEY={key}", 1)
    assert f"KEY={key}" in script
    result = subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", script],
        env={**os.environ, "FAKTURA_PORT": port},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_the_tour_runs_as_written_and_again(served: tuple[str, str]) -> None:
    key, port = served

    first = run_tour(key, port)
    time.sleep(1.1)  # the tour's idempotency keys are per second of the run
    second = run_tour(key, port)

    for output, number in ((first, "00001"), (second, "00002")):
        # The one error is the tour's own example of an error.
        assert re.findall(r'"code":\s*"(\w+)"', output) == ["validation_error"]
        assert re.search(rf'"number":\s*"DC-\d{{4}}-{number}"', output), output
        assert re.search(r'"status":\s*"partial"', output), output
        assert re.search(r'"object":\s*"message",\s*"livemode":\s*false', output), output
    assert re.search(r'"total":\s*212\.88', first), first
