"""Running Alembic from code: `faktura migrate`, readiness checks and tests."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection


def sync_url(url: str) -> str:
    """The synchronous driver URL of an async one (Alembic runs synchronously)."""
    return url.replace("sqlite+aiosqlite", "sqlite")


# The migrations ship inside the package, so an installed Faktura can migrate its database.
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration, made here (alembic.ini at the checkout's root is only for
    `alembic revision` while developing)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config(""))
    return script.get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def pending_revisions(current: str | None) -> list[str]:
    """The migrations after `current` (None: an empty database), oldest first."""
    script = ScriptDirectory.from_config(alembic_config(""))
    newer = script.iterate_revisions("heads", current or "base")
    return [revision.revision for revision in reversed(list(newer))]
