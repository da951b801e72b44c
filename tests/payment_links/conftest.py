"""The hosted page served for real: Faktura under uvicorn on a loopback port (in a thread of
the test's process, on the tests' database), and Debian's Chromium driven by Playwright."""

import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright

from faktura.app import create_app
from faktura.config import Settings
from tests.listeners import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts"


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[str]:
    """The base URL of a running Faktura; its own worker is off (a test runs the jobs it
    watches), and webhook endpoints may use 127.0.0.1."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        settings.model_copy(
            update={
                "public_url": base,
                "worker_in_process": False,
                "webhook_allow_hosts": "127.0.0.1",
            }
        )
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """Debian's Chromium (make install puts it there)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    """localstripe, Stripe's API mocked on a loopback port: the Stripe adapter talks to it
    through the official `stripe` package, and it sends Stripe-signed webhooks."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the test's own tool
        [str(Path(sys.executable).parent / "localstripe"), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/js.stripe.com/v3/", timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "localstripe did not start"
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
