"""Periods as 民法典 Arts. 201 and 203 count them, in the installation's time zone, with the State
Council's holiday schedules (调休 included) shipped as data and a clear refusal past their end."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.conftest import PASSWORD, VILLAGE, County
from tests.web_support import ROAD, Site, site  # noqa: F401
from workflow.cli.documents import show_text
from workflow.documents import worklist
from workflow.documents.service import Upload
from workflow.engine import deadlines
from workflow.engine import registry as registry_mod
from workflow.engine.calendar import CalendarError
from workflow.engine.schema import Deadline
from workflow.errors import DefinitionError, StepRefused
from workflow.store.tables import Document

F01 = "major_decision_4y2g"
BEIJING = timezone(timedelta(hours=8))
ADULTS = "村民会议（按本村十八周岁以上村民计算到会）"  # the body deciding a village road


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def to_resolution(county: County) -> int:
    """A decision through 提议, 商议, 审议 and 决议, waiting for the township's check."""
    service = county.service
    doc_id = service.start("party_secretary", F01, VILLAGE, "修建村组道路", {"matter": "修建二组道路", **ROAD},
                           [Upload("proposal", "方案.txt", "方案".encode())], password=PASSWORD)
    service.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
                 [Upload("consult_record", "记录.txt", b"x")], password=PASSWORD)
    service.step("party_secretary", doc_id, "d_review", {"review_tally": "30/30/30/0/0"},
                 [Upload("review_minutes", "记录.txt", b"x")], password=PASSWORD)
    service.step("vc_chair", doc_id, "d_resolve",
                 {"decision_body": ADULTS, "resolution_tally": "45/40/35/5/0", "resolution_summary": "同意"},
                 [Upload("resolution_minutes", "决议.txt", b"x")], password=PASSWORD)
    return doc_id


def test_seven_day_publicity_posted_at_three_pm_closes_from_midnight_after_its_seventh_day(county: County) -> None:
    doc_id = to_resolution(county)
    county.clock.now = beijing(2026, 3, 2, 15, 0)
    view = county.service.step("township_reviewer", doc_id, "d_township_approve", {"township_opinion": "合规"},
                               password=PASSWORD)
    assert view.due_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    county.clock.now = beijing(2026, 3, 9, 23, 59, 59)
    with pytest.raises(StepRefused) as refused:
        county.service.step("vc_chair", doc_id, "d_close_publicity", {}, password=PASSWORD)
    assert refused.value.reasons == ("决议公开期未满，不能结束公示",)
    county.clock.now = beijing(2026, 3, 10, 0, 0)
    assert county.service.step("vc_chair", doc_id, "d_close_publicity", {},
                               password=PASSWORD).state == "implementing"


def test_five_working_days_from_september_30_skip_national_day_and_count_the_adjusted_saturday(
        county: County) -> None:
    county.clock.now = beijing(2026, 9, 30, 10, 0)
    doc_id = to_resolution(county)
    due = county.service.show(doc_id).due_at
    assert deadlines.end_text(due, county.registry.support.calendar) == "2026-10-13 24:00"


@pytest.mark.parametrize("entered,limit,last", [
    (beijing(2026, 3, 2, 0, 1), Deadline(days=7), "2026-03-09"),
    (beijing(2026, 3, 2, 23, 59), Deadline(days=7), "2026-03-09"),
    (beijing(2026, 3, 7, 9, 0), Deadline(days=7), "2026-03-16"),
    (beijing(2026, 2, 10, 9, 0), Deadline(days=7), "2026-02-24"),
    (beijing(2026, 10, 3, 9, 0), Deadline(days=7), "2026-10-10"),
    (beijing(2026, 9, 30, 9, 0), Deadline(working_days=5), "2026-10-13"),
    (beijing(2026, 9, 17, 9, 0), Deadline(working_days=3), "2026-09-21"),
    (beijing(2026, 2, 13, 9, 0), Deadline(working_days=2), "2026-02-24"),
    (beijing(2026, 12, 30, 9, 0), Deadline(days=1), "2026-12-31"),
])
def test_period_ends_at_24_00_of_its_last_day(registry: registry_mod.Registry, entered: datetime, limit: Deadline,
                                              last: str) -> None:
    """The step's own day is not counted (Art. 201); a last day on a weekend or holiday moves to the next
    working day, a weekend made a working day (调休) counts as one (Art. 203)."""
    calendar = registry.support.calendar
    due = deadlines.due(entered, limit, calendar)
    assert deadlines.end_text(due, calendar) == f"{last} 24:00"
    assert due.astimezone(BEIJING) == datetime.fromisoformat(last).replace(tzinfo=BEIJING) + timedelta(days=1)


def test_period_past_the_calendar_is_refused_naming_the_file(registry: registry_mod.Registry) -> None:
    with pytest.raises(CalendarError) as refused:
        deadlines.due(beijing(2026, 12, 28, 9, 0), Deadline(days=7), registry.support.calendar)
    message = str(refused.value)
    assert "2024–2026" in message and "calendar.yaml" in message and "2027-01-04" in message
    assert "definitions/README.md「节假日安排」" in message


def test_a_step_into_a_period_past_the_calendar_changes_nothing(county: County) -> None:
    doc_id = to_resolution(county)
    county.clock.now = beijing(2026, 12, 28, 9, 0)
    before = county.service.show(doc_id)
    with pytest.raises(CalendarError):
        county.service.step("township_reviewer", doc_id, "d_township_approve", {"township_opinion": "合规"},
                            password=PASSWORD)
    assert county.service.show(doc_id) == before


def test_the_installation_time_zone_moves_the_end(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(registry_mod.default_dir(), defs)
    text = (defs / "calendar.yaml").read_text(encoding="utf-8")
    (defs / "calendar.yaml").write_text(text.replace("timezone: Asia/Shanghai", "timezone: Asia/Urumqi"),
                                        encoding="utf-8")
    calendar = registry_mod.load([defs]).support.calendar
    due = deadlines.due(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), Deadline(days=7), calendar)
    assert due == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert deadlines.end_text(due, calendar) == "2026-03-09 24:00"


def without_2025(text: str) -> str:
    head, rest = text.split("  2025:\n")
    return head + "  2026:\n" + rest.split("  2026:\n")[1]


@pytest.mark.parametrize("edit,rule", [
    (("timezone: Asia/Shanghai", "timezone: Asia/Nowhere"), "unknown-timezone"),
    (without_2025, "calendar-gap"),
    (("workdays: [2026-01-04,", "workdays: [2026-01-05,"), "bad-date"),
    (("workdays: [2026-01-04,", "workdays: [2026-01-03,"), "bad-date"),
    (("{name: 端午节, from: 2026-06-19, to: 2026-06-21}", "{name: 端午节, from: 2026-06-21, to: 2026-06-19}"),
     "bad-date"),
])
def test_a_broken_calendar_is_refused_with_its_rule(tmp_path: Path, edit, rule: str) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(registry_mod.default_dir(), defs)
    text = (defs / "calendar.yaml").read_text(encoding="utf-8")
    if callable(edit):
        text = edit(text)
    else:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    (defs / "calendar.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        registry_mod.load([defs])
    assert [(Path(p.file).name, p.rule) for p in refused.value.problems] == [("calendar.yaml", rule)]


def test_document_page_and_worklist_show_the_exact_end(site: Site) -> None:  # noqa: F811
    site.county.clock.now = beijing(2026, 3, 2, 15, 0)
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    assert "时限 2026-03-17 24:00</span>" in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "时限 2026-03-17 24:00</span>" in client.get("/").get_data(as_text=True)


def test_cli_shows_the_exact_end_in_the_installation_time_zone(county: County) -> None:
    county.clock.now = beijing(2026, 3, 2, 15, 0)
    doc_id = to_resolution(county)
    text = show_text(county.registry.support.calendar, county.service.show(doc_id))
    assert "状态：决议待乡镇把关（d_resolved），时限至 2026-03-09 24:00（Asia/Shanghai）" in text


def test_init_recounts_time_limits_stored_by_the_old_rule(county: County) -> None:
    county.clock.now = beijing(2026, 3, 2, 15, 0)
    doc_id = to_resolution(county)
    county.service.step("township_reviewer", doc_id, "d_township_approve", {"township_opinion": "合规"},
                        password=PASSWORD)
    old_rule = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    with county.db.write() as s:
        s.execute(update(Document).where(Document.id == doc_id).values(due_at=old_rule))
    assert worklist.refresh_due(county.db, county.registry) == 1
    assert county.service.show(doc_id).due_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert worklist.refresh_due(county.db, county.registry) == 0


def test_calendar_command_lists_the_years_and_their_notices() -> None:
    result = subprocess.run(["cunwu", "definitions", "calendar", "--json"], capture_output=True, text=True,
                            check=True)
    data = json.loads(result.stdout)
    assert (data["timezone"], data["first"], data["last"]) == ("Asia/Shanghai", "2024-01-01", "2026-12-31")
    assert data["years"]["2026"] == "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
