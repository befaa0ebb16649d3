"""Wiring: the data directory, the database, the definitions and the service built from them.

Start-up loads and checks every definition before anything else; a bad set stops the program with the
checker's messages instead of running half-loaded.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from workflow import migrate, registry as registry_mod
from workflow.blobs import BlobStore
from workflow.registry import Registry
from workflow.service import Service
from workflow.errors import CunwuError
from workflow.storage import Database, default_url, resolve_url, utcnow


def home_dir(home: Optional[str] = None) -> Path:
    return Path(home or os.environ.get("CUNWU_HOME") or "cunwu-data").resolve()


@dataclass
class Context:
    home: Path
    db: Database
    registry: Registry
    service: Service

    def close(self) -> None:
        self.db.dispose()


def init(home: Path, db_url: Optional[str] = None) -> Database:
    """Create the data directory and bring the schema to the newest migration."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "blobs").mkdir(exist_ok=True)
    db = Database(resolve_url(db_url, home))
    migrate.upgrade(db)
    return db


def open_context(home: Path, db_url: Optional[str] = None, registry: Optional[Registry] = None,
                 clock: Callable[[], datetime] = utcnow) -> Context:
    reg = registry or registry_mod.load()
    url = resolve_url(db_url, home)
    if url == default_url(home) and not (home / "cunwu.db").exists():
        raise CunwuError("数据库尚未初始化，请先运行 cunwu init")
    db = Database(url)
    try:
        migrate.require_current(db)
    except Exception:
        db.dispose()
        raise
    return Context(home=home, db=db, registry=reg, service=Service(db, reg, BlobStore(home / "blobs"), clock))
