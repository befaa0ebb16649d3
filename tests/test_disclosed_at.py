"""A document's first disclosure time, which the public boards list by: set by the step that first enters
a disclosing state, kept by later steps, and filled in for existing documents when a database is upgraded."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select

from tests.conftest import PASSWORD, VILLAGE, County
from workflow import context as app
from workflow.documents import disclosure
from workflow.documents.service import Upload
from workflow.store import migrate
from workflow.store.tables import Document, Step

CERTIFICATE = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
               "purpose": "办理子女入学"}
TO_STAMPING = [("village_clerk", "list_check", {}), ("village_clerk", "verify", {"verification": "走访属实"}),
               ("party_secretary", "approve", {})]


def _stamping(county: County, title: str) -> int:
    doc = county.service.start("village_clerk", "certificate_issuance", VILLAGE, title, CERTIFICATE,
                               password=PASSWORD)
    for user, transition, values in TO_STAMPING:
        county.clock.advance(hours=1)
        county.service.step(user, doc, transition, values, password=PASSWORD)
    return doc


def _stamp(county: County, doc: int) -> None:
    county.clock.advance(hours=1)
    county.service.step("seal_keeper", doc, "stamp", {"register_no": "2026-001", "blank_document": "否"},
                        [Upload("certificate_scan", "证明.txt", "证明扫描件".encode())], password=PASSWORD)


def _disclosed_at(county: County, doc: int):
    with county.db.read() as s:
        return s.get(Document, doc).disclosed_at


def _stamped_at(county: County, doc: int):
    with county.db.read() as s:
        return s.scalar(select(Step.at).where(Step.document_id == doc, Step.to_state == "issued"))


def test_a_document_is_not_disclosed_before_it_reaches_a_disclosing_state(county: County) -> None:
    doc = _stamping(county, "张三申请居住证明")
    assert _disclosed_at(county, doc) is None


def test_the_step_into_a_disclosing_state_records_when_it_was_disclosed(county: County) -> None:
    doc = _stamping(county, "张三申请居住证明")
    _stamp(county, doc)
    assert _disclosed_at(county, doc) == county.clock.now


def test_later_steps_keep_the_first_disclosure_time(county: County) -> None:
    doc = _stamping(county, "张三申请居住证明")
    _stamp(county, doc)
    first = county.clock.now
    county.clock.advance(days=3)
    county.service.step("village_clerk", doc, "archive", {}, password=PASSWORD)
    assert _disclosed_at(county, doc) == first


def test_upgrading_a_database_fills_in_when_its_documents_were_disclosed(county: County) -> None:
    issued = _stamping(county, "张三申请居住证明")
    _stamp(county, issued)
    pending = _stamping(county, "李四申请居住证明")
    config = migrate._config()
    with county.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    app.init(county.home, county.db.engine.url.render_as_string(hide_password=False),
             registry=county.registry).dispose()
    assert (_disclosed_at(county, issued), _disclosed_at(county, pending)) == (_stamped_at(county, issued), None)


def test_filling_in_again_changes_nothing(county: County) -> None:
    doc = _stamping(county, "张三申请居住证明")
    _stamp(county, doc)
    assert disclosure.backfill(county.db, county.registry) == 0
    assert _disclosed_at(county, doc) == county.clock.now
