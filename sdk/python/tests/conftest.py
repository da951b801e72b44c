from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server import Credentials, FakturaServer


@pytest.fixture(scope="session")
def server_and_accounts(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakturaServer, list[Credentials]]]:
    """One server for the session, and its accounts, made while it starts."""
    running = FakturaServer(tmp_path_factory.mktemp("faktura"))
    running.start()
    try:
        accounts = running.create_accounts("SDK Test GmbH", "Paging GmbH")
        running.wait_until_ready()
        yield running, accounts
    finally:
        running.stop()


@pytest.fixture(scope="session")
def server(server_and_accounts: tuple[FakturaServer, list[Credentials]]) -> FakturaServer:
    return server_and_accounts[0]


@pytest.fixture(scope="session")
def account(server_and_accounts: tuple[FakturaServer, list[Credentials]]) -> Credentials:
    """The account most tests share (a German one: EUR, 19 % VAT)."""
    return server_and_accounts[1][0]


@pytest.fixture(scope="session")
def paging_account(server_and_accounts: tuple[FakturaServer, list[Credentials]]) -> Credentials:
    """An account of the paging test's alone, so it knows exactly what its lists hold."""
    return server_and_accounts[1][1]
