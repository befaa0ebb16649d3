"""Shared fixtures: real databases (a fresh SQLite file, or a fresh PostgreSQL database cloned from a
migrated template), the shipped definitions, a demo county with a person for every role (each with a real
signing key and its registration in the log), and a clock that tests move forward instead of waiting.

Personal keys are sealed with TEST_KDF, a deliberately cheap Argon2id cost set on the test county's
keyring, so hundreds of signed steps stay fast; production keyrings use keys.INTERACTIVE_KDF.
"""
from __future__ import annotations

import functools
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from workflow import context as app
from workflow.documents.service import Service
from workflow.engine import registry as registry_mod
from workflow.engine.registry import Registry
from workflow.ledger.keyring import Signer
from workflow.ledger.keys import KdfParams
from workflow.people import directory
from workflow.store import migrate
from workflow.store.blobs import BlobStore
from workflow.store.database import Database
from workflow.voice.desk import Desk
from workflow.voice.intake import Intake

PG_ADMIN_URL = os.environ.get("CUNWU_TEST_PG")
BACKENDS = ["sqlite", "postgres"]
PASSWORD = "cunwu-test-pw"
ORIGIN = "cunwu.test/lianyuan"
TEST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
COUNTY, TOWNSHIP, VILLAGE = "涟源市", "石马山镇", "石门坎村"
OTHER_TOWNSHIP, OTHER_VILLAGE = "桥头河镇", "新塘村"


@dataclass
class Clock:
    """Time the tests control; steps past a deadline without sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def pass_deadline(self, due: datetime | None) -> None:
        if due is not None:
            self.now = max(self.now, due) + timedelta(minutes=1)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return registry_mod.load()


_pg_template: dict[str, str] = {}


def _pg_database() -> str:
    """A new PostgreSQL database, copied from a template migrated once per run (fast and isolated)."""
    if not PG_ADMIN_URL:
        if os.environ.get("CI"):
            pytest.fail("CUNWU_TEST_PG is not set: CI must test PostgreSQL (see .ci/run)")
        pytest.skip("CUNWU_TEST_PG not set; PostgreSQL tests need a server (.ci/run starts one)")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        with admin.connect() as conn:
            if "name" not in _pg_template:
                name = f"cunwu_tpl_{uuid.uuid4().hex[:8]}"
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                db = Database(f"{base}/{name}")
                migrate.upgrade(db)
                db.dispose()
                _pg_template["name"] = name
            name = f"cunwu_t_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template["name"]}"'))
    finally:
        admin.dispose()
    return f"{base}/{name}"


def make_database(backend: str, tmp: Path) -> Database:
    if backend == "sqlite":
        return app.init(tmp, None, ORIGIN)
    db = Database(_pg_database())
    migrate.require_current(db)
    return db


@dataclass
class County:
    """A county with two townships and villages, and one person per role (username = role id)."""

    service: Service
    db: Database
    registry: Registry
    clock: Clock
    home: Path
    outsiders: dict[str, str]

    def user_for(self, roles: tuple[str, ...]) -> str:
        return roles[0]

    @functools.cached_property
    def intake(self) -> Intake:
        """The portal's intake, its desk signing for villagers as `cunwu serve` would."""
        return Intake(self.service, Desk(self.home, self.db, self.service.keyring, self.registry.support))

    def portal_signer(self) -> Signer:
        with self.db.read() as s:
            county = directory.find_place(s, COUNTY).id
        return self.intake.desk.signer(county)


@functools.cache
def _password_hash() -> str:
    """Argon2 login hashing is slow by design and every test county shares the password: hash it once."""
    return directory.hash_password(PASSWORD)


def build_county(db: Database, registry: Registry, home: Path) -> County:
    clock = Clock()
    support = registry.support
    keyring = replace(app.bootstrap_keys(home, db, ORIGIN), user_kdf=TEST_KDF)
    with db.write() as s:
        directory.add_place(s, "county", COUNTY, None)
        directory.add_place(s, "township", TOWNSHIP, COUNTY)
        directory.add_place(s, "township", OTHER_TOWNSHIP, COUNTY)
        directory.add_place(s, "village", VILLAGE, TOWNSHIP)
        directory.add_place(s, "village", OTHER_VILLAGE, OTHER_TOWNSHIP)
        password_hash = _password_hash()
        place_of = {"village": VILLAGE, "township": TOWNSHIP, "county": COUNTY}
        for role_id, role in support.roles.roles.items():
            if role_id == directory.PORTAL_ROLE:
                continue
            user = directory.add_user_with_hash(s, support, role_id, role.title, password_hash, role_id,
                                                place_of[role.level], password=PASSWORD, keyring=keyring)
            assert user.id
        outsiders = {
            "village": "outsider_village", "township": "outsider_township",
        }
        directory.add_user_with_hash(s, support, "outsider_village", "外村书记", password_hash, "party_secretary",
                                     OTHER_VILLAGE, password=PASSWORD, keyring=keyring)
        directory.add_user_with_hash(s, support, "outsider_township", "外镇审核员", password_hash,
                                     "township_reviewer", OTHER_TOWNSHIP, password=PASSWORD, keyring=keyring)
    service = Service(db, registry, BlobStore(home / "blobs"), clock, keyring=keyring)
    return County(service=service, db=db, registry=registry, clock=clock, home=home, outsiders=outsiders)


@pytest.fixture(params=BACKENDS)
def county(request: pytest.FixtureRequest, registry: Registry, tmp_path: Path) -> Iterator[County]:
    db = make_database(request.param, tmp_path)
    try:
        yield build_county(db, registry, tmp_path)
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_county(request: pytest.FixtureRequest, registry: Registry,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """One county per module and backend, for tests whose documents do not interfere."""
    home = tmp_path_factory.mktemp(f"county-{request.param}")
    db = make_database(request.param, home)
    try:
        yield build_county(db, registry, home)
    finally:
        db.dispose()
