"""Schema creation and upgrade through Alembic, and the start-up check that the schema is current."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from workflow.errors import CunwuError
from workflow.store.database import Database

SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head() -> str:
    current = ScriptDirectory.from_config(_config()).get_current_head()
    assert current is not None, "the migrations directory has no head revision"
    return current


def upgrade(db: Database) -> str:
    """Bring the schema to the newest revision; safe to run on a current database."""
    cfg = _config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head()


def current(db: Database) -> str | None:
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise CunwuError(f"无法连接数据库 {db.engine.url.render_as_string(hide_password=True)}：{exc.orig}") from None


def require_current(db: Database) -> None:
    """Refuse to run on a missing or outdated schema rather than fail half-way through a request."""
    found = current(db)
    if found is None:
        raise CunwuError("数据库尚未初始化，请先运行 cunwu init")
    if found != head():
        raise CunwuError(f"数据库结构版本 {found} 不是最新（{head()}），请运行 cunwu init 升级")
