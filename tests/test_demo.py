"""`cunwu demo`: a county of 涟源市 with two townships, a person for every role in every place, and
documents over all 32 flowcharts in varied states, every step signed through the service."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from workflow import context as app
from workflow.demo import county as demo
from workflow.documents import worklist
from workflow.ledger.verify import Attachments, verify_database
from workflow.people import directory
from workflow.store.tables import Document, Place, User

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, registry) -> demo.DemoCounty:
    return demo.build(tmp_path_factory.mktemp("demo"), villages=6, documents=96, seed=7, now=NOW, registry=registry)


@pytest.fixture(scope="module")
def context(county: demo.DemoCounty, registry):
    opened = app.open_context(county.home, registry=registry, clock=lambda: NOW)
    yield opened
    opened.close()


def test_places_are_lianyuan_with_two_townships_and_six_villages(context) -> None:
    with context.db.read() as s:
        kinds = {kind: sorted(name for (name,) in s.execute(select(Place.name).where(Place.kind == kind)))
                 for kind in ("county", "township", "village")}
    assert kinds == {"county": ["涟源市"], "township": ["桥头河镇", "石马山镇"],
                     "village": ["双江村", "向红村", "新塘村", "桥头村", "石门坎村", "谭家村"]}


def test_every_role_has_a_person_in_every_place_of_its_level(county: demo.DemoCounty, registry) -> None:
    roles = registry.support.roles.roles
    per_level = {level: sum(1 for rid, r in roles.items() if r.level == level and rid != directory.PORTAL_ROLE)
                 for level in ("village", "township", "county")}
    assert len(county.logins) == 6 * per_level["village"] + 2 * per_level["township"] + per_level["county"]
    assert {(login.role, login.place) for login in county.logins} >= {
        ("party_secretary", "涟源市/石马山镇/石门坎村"), ("township_reviewer", "涟源市/桥头河镇"),
        ("archivist", "涟源市"), ("auditor", "涟源市"), ("admin", "涟源市")}


def test_documents_cover_all_32_flowcharts(context) -> None:
    with context.db.read() as s:
        counts = dict(s.execute(select(Document.workflow_id, func.count()).group_by(Document.workflow_id)).all())
    assert len(counts) == 32 and min(counts.values()) == 3


def test_documents_are_in_many_states(county: demo.DemoCounty) -> None:
    assert county.documents == 96
    assert len(county.states) >= 30
    assert county.steps > 3 * county.documents


def test_worklists_hold_overdue_and_comfortable_documents(context) -> None:
    with context.db.read() as s:
        names = list(s.scalars(select(User.username)))
    counted = [worklist.counts(context.db, context.registry, name, NOW) for name in names]
    assert {colour for colour in ("red", "yellow", "green") if any(c[colour] for c in counted)} == {
        "red", "yellow", "green"}


def test_every_signed_record_verifies(context) -> None:
    report = verify_database(context.db, Attachments(context.home / "blobs"), registry=context.registry)
    assert (report.ok, report.checked) == (True, report.checked)
    assert report.failures == []


def test_same_seed_makes_the_same_county(tmp_path: Path, registry) -> None:
    first = demo.build(tmp_path / "a", villages=2, documents=6, seed=3, now=NOW, registry=registry)
    second = demo.build(tmp_path / "b", villages=2, documents=6, seed=3, now=NOW, registry=registry)
    assert (first.logins, first.states, first.steps) == (second.logins, second.states, second.steps)


def test_demo_refuses_a_data_directory_with_documents(county: demo.DemoCounty, registry) -> None:
    with pytest.raises(Exception) as refused:
        demo.build(county.home, villages=2, documents=1, registry=registry)
    assert "已有文书" in str(refused.value)


def test_cunwu_demo_prints_how_to_log_in(tmp_path: Path) -> None:
    env = {**os.environ, "CUNWU_HOME": str(tmp_path / "home")}
    env.pop("CUNWU_DB", None)
    result = subprocess.run(["cunwu", "demo", "--villages", "2", "--documents", "4"], capture_output=True, text=True,
                            env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert f"所有人员的演示密码：{demo.DEMO_PASSWORD}" in result.stdout
    assert "shimenkan_party_secretary" in result.stdout and "cunwu serve" in result.stdout


def test_demo_pdf_attachments_are_valid_pdfs() -> None:
    reader = PdfReader(BytesIO(demo.tiny_pdf("cunwu demo: minutes (2026-03-02)")))
    assert [page.extract_text() for page in reader.pages] == ["cunwu demo: minutes (2026-03-02)"]
