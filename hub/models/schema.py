"""The versioned schema: the migrations in hub/migrations, then the rows every hub has."""

from pathlib import Path

from playhouse.migrations import Runner

from hub.db import db
from hub.models import ensure_defaults

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"
TABLE = "hub_schema_migration"


def upgrade(database=None):
    """Apply pending migrations (idempotent). Returns the names applied."""
    runner = Runner(database or db.obj, str(MIGRATIONS_DIR), table_name=TABLE)
    applied = runner.up()
    ensure_defaults()
    return applied


def migration_status(database=None):
    runner = Runner(database or db.obj, str(MIGRATIONS_DIR), table_name=TABLE)
    return [(m.name, m.applied) for m in runner.status()]
