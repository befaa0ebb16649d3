"""Wiring: the data directory, the database, the definitions and the service built from them.

Start-up loads and checks every definition before anything else; a bad set stops the program with the
checker's messages instead of running half-loaded. Where the data directory, the database and the
definitions are comes from the caller (settings.Settings, read once), never from the environment here.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from workflow.documents import disclosure, worklist
from workflow.documents.service import Service
from workflow.engine import registry as registry_mod
from workflow.engine.registry import Registry
from workflow.errors import CunwuError
from workflow.ledger import definitions
from workflow.ledger.keyring import Keyring
from workflow.store import migrate
from workflow.store.blobs import BlobStore
from workflow.store.database import Database, default_url, resolve_url, utcnow
from workflow.voice.desk import Desk
from workflow.voice.intake import Intake


@dataclass
class Context:
    home: Path
    db: Database
    registry: Registry
    service: Service
    keyring: Keyring
    intake: Intake

    def close(self) -> None:
        self.db.dispose()


def init(home: Path, db_url: Optional[str] = None, origin: Optional[str] = None,
         registry: Optional[Registry] = None) -> Database:
    """Create the data directory, bring the schema to the newest migration, and make sure the signing
    keys exist and the log begins with the genesis entry that names them; safe to run again.

    After an upgrade, what a migration cannot derive from the database alone is filled in from the
    definitions (which documents have been disclosed), and pending time limits are recounted with the
    holiday calendar (a new rule or an amended schedule). Every loaded definition version is installed in
    the log (once per content), so documents started from now on pin what they run under."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "blobs").mkdir(exist_ok=True)
    db = Database(resolve_url(db_url, home))
    try:
        before = migrate.current(db)
        migrate.upgrade(db)
        registry = registry or registry_mod.load()
        if before is not None:
            if before != migrate.head():
                disclosure.backfill(db, registry)
            worklist.refresh_due(db, registry)
        keyring = bootstrap_keys(home, db, origin)
        if origin is not None and origin != keyring.log.origin:
            raise CunwuError(f"签名日志已命名为 {keyring.log.origin}，不能改为 {origin}")
        definitions.install_all(db, keyring, registry)
    except Exception:
        db.dispose()
        raise
    return db


def bootstrap_keys(home: Path, db: Database, origin: Optional[str] = None) -> Keyring:
    """Load the installation's keys, creating them (and the genesis entry) on first use.

    The default origin is random so that two installations never share a log name.
    """
    if (home / "keys").exists():
        keyring = Keyring.load(home)
    else:
        keyring = Keyring.create(home, origin or f"cunwu.local/{uuid.uuid4().hex[:16]}")
    with db.write() as s:
        keyring.bootstrap(s)
    return keyring


def open_database(home: Path, db_url: Optional[str] = None) -> Database:
    """The database alone with its schema checked: all the auditor's commands need, no signing keys."""
    url = resolve_url(db_url, home)
    if url == default_url(home) and not (home / "cunwu.db").exists():
        raise CunwuError("数据库尚未初始化，请先运行 cunwu init")
    db = Database(url)
    try:
        migrate.require_current(db)
    except Exception:
        db.dispose()
        raise
    return db


def open_context(home: Path, db_url: Optional[str] = None, registry: Optional[Registry] = None,
                 clock: Callable[[], datetime] = utcnow) -> Context:
    reg = registry or registry_mod.load()
    db = open_database(home, db_url)
    try:
        keyring = Keyring.load(home)
        with db.read() as s:
            keyring.check_genesis(s)
    except Exception:
        db.dispose()
        raise
    service = Service(db, reg, BlobStore(home / "blobs"), clock, keyring=keyring)
    intake = Intake(service, Desk(home, db, keyring, reg.support))
    return Context(home=home, db=db, registry=reg, service=service, keyring=keyring, intake=intake)
