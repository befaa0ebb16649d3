"""Database sessions (SQLAlchemy 2.0): SQLite in WAL mode by default, any URL by choice.

Writes on SQLite take the write lock at BEGIN (BEGIN IMMEDIATE), so two writers never both read a
document and then race to update it; on PostgreSQL the document row is locked with SELECT ... FOR UPDATE.
The tables themselves, and why the signed log is the record an auditor trusts, are in store/tables.py.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def default_url(home: Path) -> str:
    return f"sqlite:///{home / 'cunwu.db'}"


def resolve_url(db: Optional[str], home: Path) -> str:
    """The database named by the settings (--db, CUNWU_DB or the config file), else SQLite in the data
    directory."""
    return db or default_url(home)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Sessions for one database; `write()` and `read()` are each exactly one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = sessionmaker(bind=self.engine.execution_options(write=True), expire_on_commit=False)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
