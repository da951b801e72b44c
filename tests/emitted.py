"""The event catalog (events/catalog.py) lists what Faktura records, and only that.

Recording a type outside the catalog fails the test that does it (the note below refuses it,
in the request's transaction). The other half is checked over a whole run of the suite: every
event the tests cause is noted (by an event consumer, the mechanism webhooks use), each worker
hands its notes to the controller, and a run of the whole suite fails when a catalog type was
never recorded — a type nothing emits any more, or an emitter no test reaches.
"""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.events.catalog import EVENT_TYPES
from faktura.events.models import Event
from faktura.events.service import register_consumer

_seen: set[str] = set()
_KEY = "faktura_events_recorded"
_TESTS = Path(__file__).resolve().parent


async def _note(_session: AsyncSession, event: Event) -> None:
    assert event.type in EVENT_TYPES, f"{event.type} is not in the catalog (events/catalog.py)"
    _seen.add(event.type)


register_consumer("tests.emitted", _note)


def _whole_suite(config: pytest.Config) -> bool:
    if config.option.keyword or config.option.markexpr or config.option.lf:
        return False
    return all(Path(arg).resolve() == _TESTS for arg in config.args)


def hand_over(session: pytest.Session) -> None:
    """In an xdist worker: pass the types seen to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[_KEY] = sorted(_seen)


def collect(node: Any) -> None:
    """In the controller: take a worker's notes."""
    _seen.update(getattr(node, "workeroutput", {}).get(_KEY, []))


def check(session: pytest.Session) -> None:
    """In the controller (or a run without workers), after a whole suite."""
    if hasattr(session.config, "workeroutput"):
        return
    if not _whole_suite(session.config):
        return
    never = sorted(EVENT_TYPES - _seen)
    if never:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            "event types in the catalog that no test recorded (events/catalog.py lists what "
            f"Faktura emits, and only that): {', '.join(never)}"
        )
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
