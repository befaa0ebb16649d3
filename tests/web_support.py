"""The web tests' county: the conftest county (SQLite) served by a real application, and clients that
log in the way a browser does, reading the CSRF token from the page."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, VILLAGE, County, build_county, make_database
from web import create_app, searching
from workflow.documents.service import Upload
from workflow.engine.registry import Registry
from workflow.ledger import records
from workflow.store.database import Database

F01 = "major_decision_4y2g"
ROAD = {"item": "村级工程项目建设", "counterparty": "不涉及", "involves_land": False}  # what F01 records of the matter
_TOKEN = re.compile(r'name="(?:[\w-]*-)?csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Site:
    county: County
    app: Flask

    def client(self, username: Optional[str] = None) -> FlaskClient:
        client = self.app.test_client()
        if username is not None:
            response = login(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)
        return client

    def start_decision(self, title: str = "修建村组道路", **values: Any) -> int:
        return self.county.service.start("party_secretary", F01, VILLAGE, title,
                                         {"matter": "修建二组道路", "amount": "85000", **ROAD, **values},
                                         [Upload("proposal", "方案.txt", "初步方案".encode())], password=PASSWORD)

    def step(self, username: str, doc_id: int, transition: str, values: dict,
             uploads: tuple[Upload, ...] = ()) -> dict:
        return self.county.service.step(username, doc_id, transition, values, list(uploads), password=PASSWORD)

    def close(self) -> None:
        self.app.extensions["cunwu"].close()
        self.county.db.dispose()


def make_site(home: Path, registry: Registry, **config: Any) -> Site:
    county = build_county(make_database("sqlite", home), registry, home)
    app = create_app({"CUNWU_HOME": str(home), "TESTING": True, "CUNWU_REGISTRY": registry,
                      "CUNWU_CLOCK": county.clock, **config})
    return Site(county, app)


@pytest.fixture
def site(tmp_path: Path, registry: Registry) -> Iterator[Site]:
    made = make_site(tmp_path, registry)
    yield made
    made.close()


def token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": token(page.get_data(as_text=True)), "username": username,
                                       "password": password})


def page_token(client: FlaskClient, url: str) -> str:
    return token(client.get(url).get_data(as_text=True))


def form_data(prefix: str, csrf: str, fields: Optional[dict] = None, tallies: Optional[dict] = None,
              files: Optional[dict] = None, comment: Optional[str] = None,
              password: Optional[str] = PASSWORD) -> dict:
    """A step or start form as the browser posts it: every name carries the form's prefix."""
    data: dict[str, Any] = {f"{prefix}-csrf_token": csrf}
    for name, value in (fields or {}).items():
        data[f"{prefix}-v__{name}"] = value
    for name, parts in (tallies or {}).items():
        for key, value in zip(("expected", "present", "yes", "no", "abstain"), parts):
            data[f"{prefix}-v__{name}__{key}"] = str(value)
    for slot, (filename, content) in (files or {}).items():
        data[f"{prefix}-file__{slot}"] = (BytesIO(content), filename)
    if comment is not None:
        data[f"{prefix}-comment"] = comment
    if password is not None:
        data[f"{prefix}-password"] = password
    return data


def tamper_log_entry(db: Database, index: int, old: str, new: str) -> None:
    """What a database administrator could do: drop the append-only trigger and rewrite a signed entry."""
    envelope = records.open_envelope(_leaf(db, index))
    assert old.encode() in envelope.payload
    changed = dataclasses.replace(envelope, payload=envelope.payload.replace(old.encode(), new.encode())).encode()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS log_entries_no_update")
        conn.execute(text("UPDATE log_entries SET leaf_input = :leaf WHERE idx = :idx"),
                     {"leaf": changed, "idx": index})


def _leaf(db: Database, index: int) -> bytes:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT leaf_input FROM log_entries WHERE idx = :idx"), {"idx": index}).scalar_one()


def index_county(site: Site) -> int:
    """Bring the archive index up to date, as `cunwu serve` does at start; returns documents indexed."""
    return searching.catch_up(site.app.extensions["cunwu"])
