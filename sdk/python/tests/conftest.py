from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import Credentials, FakturaServer


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakturaServer]:
    running = FakturaServer(tmp_path_factory.mktemp("faktura"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def account(server: FakturaServer) -> Credentials:
    """The account most tests share (a German one: EUR, 19 % VAT)."""
    return server.create_account("SDK Test GmbH")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
