"""Fixtures of the customer tests."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from faktura.core.clock import set_clock


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    """A clock the test moves by setting now[0]; it starts at 2026-03-01 09:00 UTC."""
    now = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)
