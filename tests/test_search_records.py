"""A document view becomes index records: one per document, one per step, one public record when
the definitions disclose something; the permissions and the public view are decided here."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from search.extract import BlobText
from search.permissions import PUBLIC, allowed_tokens, principal_tokens
from search.records import document_record, is_person_field, public_record, records_for, step_record
from tests.search_corpus import Corpus, Document, blob_reader, generate, load_registry
from workflow.engine import guards
from workflow.engine.schema import FieldSpec
from workflow.people.directory import Principal


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return generate(load_registry(tmp_path_factory.mktemp("definitions")), 120)


def _doc(corpus: Corpus, workflow: str, state: str) -> Document:
    return next(d for d in corpus.documents if d.workflow.id == workflow and d.view.state == state)


def _no_text(attachment: dict) -> str:
    return ""


@pytest.mark.parametrize("title, expected", [
    ("申请人", True), ("申请人（户主）", True), ("户主姓名", True), ("救助对象", True), ("调解员", True),
    ("受让（承租、承包）方", True), ("困难情况说明", False), ("项目名称", False), ("联系电话", False),
])
def test_person_fields_are_recognised_by_their_title(title: str, expected: bool) -> None:
    assert is_person_field(FieldSpec(name="x", title=title, type="text")) is expected


def test_person_field_must_be_text() -> None:
    assert is_person_field(FieldSpec(name="x", title="申请人", type="id_card")) is False


def test_records_are_the_document_its_steps_and_its_disclosure(corpus) -> None:
    doc = _doc(corpus, "test_certificate", "archived")
    uids = [r["uid"] for r in records_for(*doc.loaded, _no_text)]
    steps = [f"s:{doc.id}:{s.seq}" for s in doc.view.history]
    assert uids == [f"d:{doc.id}", *steps, f"p:{doc.id}"]


def test_document_without_disclosure_has_no_public_record(corpus) -> None:
    doc = _doc(corpus, "test_certificate", "requested")
    assert public_record(*doc.loaded, _no_text) is None


def test_public_record_holds_only_disclosed_fields(corpus) -> None:
    doc = _doc(corpus, "test_dibao", "notice")
    body = public_record(*doc.loaded, _no_text)["body"]
    data = doc.view.data
    assert data["applicant"] in body and data["proposed_amount"] in body
    assert data["cause_detail"] not in body and data["investigation"] not in body


def test_public_record_masks_id_card_and_phone(corpus) -> None:
    doc = _doc(corpus, "test_certificate", "issued")
    body = public_record(*doc.loaded, _no_text)["body"]
    id_card, phone = doc.view.data["applicant_id"], doc.view.data["phone"]
    assert f"申请人身份证号：{id_card[:4]}{'*' * 10}{id_card[-4:]}" in body
    assert f"联系电话：{phone[:3]}{'*' * 4}{phone[-4:]}" in body


def test_public_record_title_is_not_the_title_a_cadre_typed(corpus) -> None:
    doc = _doc(corpus, "test_certificate", "issued")
    record = public_record(*doc.loaded, _no_text)
    assert record["title"] == f"证明出具（测试）（{doc.village}）"
    assert doc.view.title not in record["body"]


def test_public_record_stays_after_the_document_moves_on(corpus) -> None:
    doc = _doc(corpus, "test_dibao", "refused")
    assert public_record(*doc.loaded, _no_text)["allowed"] == [PUBLIC]


def test_public_record_includes_attachments_only_where_disclosed(corpus) -> None:
    doc = next(d for d in corpus.documents if d.workflow.id == "test_works" and d.view.state != "proposed"
               and any(s.attachments for s in d.view.history))
    text_of = BlobText(blob_reader(corpus.blobs))
    record = public_record(*doc.loaded, text_of)
    filenames = [a.filename for s in doc.view.history for a in s.attachments]
    assert all(f"附件：{name}" in record["body"] for name in filenames)


def test_step_record_holds_only_its_own_step(corpus) -> None:
    doc = _doc(corpus, "test_certificate", "archived")
    first, second = doc.view.history[:2]
    body = step_record(*doc.loaded, first, _no_text)["body"]
    assert body.startswith(f"{first.title}（") and f"{second.title}（" not in body


def test_dates_are_on_the_local_calendar(corpus) -> None:
    doc = copy.deepcopy(_doc(corpus, "test_certificate", "archived"))
    doc.view = replace(doc.view, created_at=datetime(2023, 12, 31, 16, 30, tzinfo=UTC))
    record = document_record(*doc.loaded, _no_text)
    assert (record["date"], record["year"]) == (datetime(2024, 1, 1, 0, 30), "2024")


def test_amount_is_the_largest_amount_in_cents(corpus) -> None:
    doc = _doc(corpus, "test_dibao", "certified")
    amounts = [doc.view.data["proposed_amount"], doc.view.data["monthly_amount"]]
    expected = max(int(a.replace(".", "")) for a in amounts)
    assert document_record(*doc.loaded, _no_text)["amount_cents"] == expected


def test_persons_are_actors_and_named_people_folded(corpus) -> None:
    doc = next(d for d in corpus.documents if d.traditional and d.workflow.id == "test_certificate")
    record = document_record(*doc.loaded, _no_text)
    assert set(record["persons"]) == doc.persons


def test_step_permissions_are_prefixed(corpus) -> None:
    doc = _doc(corpus, "test_works", "resolved")
    step = step_record(*doc.loaded, doc.view.history[0], _no_text)
    assert step["allowed"] == ["step:*@" + str(p.id) for p in doc.chain]


@pytest.mark.parametrize("role, place_id", [("vc_member", 12), ("vc_member", 11), ("township_civil", 2),
                                            ("county_civil", 1), ("county_housing", 1), ("archivist", 1)])
def test_permission_tokens_agree_with_the_guards(corpus, role: str, place_id: int) -> None:
    person = Principal(7, "someone", "某人", ((role, place_id, ""),))
    mine = set(principal_tokens(person))
    for doc in corpus.documents:
        allowed = set(allowed_tokens(doc.workflow, doc.view.state, doc.chain))
        ids = frozenset(p.id for p in doc.chain)
        assert bool(mine & allowed) is guards.can_view(doc.workflow, doc.view.state, person, ids)
