"""The verifier holds each document to the definition version its first record pinned in the log.

Forgers here hold a real cadre's key (an insider, or a thief of the password) and append well-formed,
correctly signed and chained steps that the service itself would have refused: a transition the state
does not have, a tally that misses its statutory rule, a period not yet run. The definition entries are
attacked too, with and without the registrar key the server holds. Each must be named at its entry.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import PASSWORD, VILLAGE, County
from tests.test_verify_tamper import (
    Dba,
    History,
    audit,
    build_history,
    failing,
    private_key,
    record_at,
    sign_bytes,
)
from workflow.documents.service import Service, Upload
from workflow.engine import registry as registry_mod
from workflow.errors import PermissionDenied
from workflow.ledger import canonical, records
from workflow.ledger.definitions import install_all, pin
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import key_id
from workflow.store.tables import DefinitionEntry

F13 = "village_affairs_disclosure"
PASSING = {"expected": 30, "present": 30, "yes": 30, "no": 0, "abstain": 0}
REPRESENTATIVES = {"decision_body": "村民代表会议", "authorisation": "2026年1月村民会议授权决定"}


@pytest.fixture
def history(county: County) -> History:
    return build_history(county)


def forge_next(county: County, dba: Dba, last_index: int, *, transition: str, to_state: str, actor: str,
               fields: dict | None = None, tallies: dict | None = None, slots: tuple[str, ...] = (),
               at: str | None = None, role: str | None = None) -> bytes:
    """The document's next step as an insider holding `actor`'s key would sign it (in `role`, by default
    the role named like the test user), chained and placed correctly, with attachment files really in the
    store."""
    last_leaf = dba.leaves()[last_index]
    last = record_at(last_leaf)
    key = private_key(county, actor)
    attachments = tuple(records.Attachment(slot, f"{slot}.txt", "text/plain", 4, county.service.blobs.put(b"scan"))
                        for slot in slots)
    return records.sign(replace(
        last, step_seq=last.step_seq + 1, transition=transition, from_state=last.to_state, to_state=to_state,
        actor=actor, role=role or actor, fields=fields or {}, tallies=tallies or {}, comment=None, attachments=attachments,
        at=at or last.at, prev_step_hash=records.leaf_hash_hex(last_leaf), definition_sha256=None,
        key_id=key_id(key.public_key().public_bytes_raw()), observed=dba.observed()), [key]).encode()


def definition_index(county: County, workflow_id: str, version: int | None = None) -> int:
    """Where the log holds a definition version (by default the one new documents start on)."""
    version = version or county.registry.get(workflow_id).version
    with county.db.read() as s:
        return s.scalar(select(DefinitionEntry.log_index).where(DefinitionEntry.workflow_id == workflow_id,
                                                                DefinitionEntry.version == version))


def test_each_documents_first_record_pins_the_logged_definition(county: County, history: History) -> None:
    report = audit(county)
    assert (report.ok, report.notes) == (True, [])
    leaves = Dba(county).leaves()
    first = record_at(leaves[history.a[0]])
    content, sha256 = pin(county.registry.get(first.definition_id, first.definition_version))
    logged = records.open_envelope(leaves[definition_index(county, first.definition_id, first.definition_version)]).decode()
    assert first.definition_sha256 == sha256 == logged.sha256
    assert logged.content == json.loads(canonical.encode(content))


def test_transition_the_state_does_not_have_is_named(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, history.b[-1], transition="stamp", to_state="issued",
                                  actor="seal_keeper", fields={"register_no": "2026-001", "blank_document": False},
                                  slots=("certificate_scan",)))
    report = audit(county)
    assert failing(report) == {index: ["illegal-transition"]}
    assert report.at(index)[0].message == "“用印并登记”不能从 approving 到 issued"


def test_tally_short_of_its_statutory_rule_is_named(county: County, history: History) -> None:
    dba = Dba(county)
    short = {"expected": 30, "present": 15, "yes": 15, "no": 0, "abstain": 0}
    index = dba.append(forge_next(county, dba, history.a[-1], transition="d_resolve", to_state="d_resolved",
                                  actor="vc_chair", fields={**REPRESENTATIVES, "resolution_summary": "同意修路"},
                                  tallies={"resolution_tally": short}, slots=("resolution_minutes",)))
    report = audit(county)
    assert failing(report) == {index: ["rule-refused"]}
    assert "会议表决不符合法定要求：村民代表会议须有三分之二以上组成人员参加" in report.at(index)[0].message


def test_the_same_step_with_a_passing_tally_verifies(county: County, history: History) -> None:
    dba = Dba(county)
    dba.append(forge_next(county, dba, history.a[-1], transition="d_resolve", to_state="d_resolved",
                          actor="vc_chair", fields={**REPRESENTATIVES, "resolution_summary": "同意修路"},
                          tallies={"resolution_tally": PASSING}, slots=("resolution_minutes",)))
    assert audit(county).ok


def test_missing_required_field_and_attachment_are_named(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, history.a[-1], transition="d_resolve", to_state="d_resolved",
                                  actor="vc_chair", fields=REPRESENTATIVES, tallies={"resolution_tally": PASSING}))
    report = audit(county)
    assert failing(report) == {index: ["rule-refused", "rule-refused"]}
    assert [(f.message.params["reason"].code, f.message) for f in report.at(index)] == [
        ("guard.field-required", "“召开会议作出决议”不符合流程规则：缺少必填项“决议内容”"),
        ("guard.attachment-required", "“召开会议作出决议”不符合流程规则：缺少附件“会议记录及签到表”")]


def test_role_the_transition_does_not_allow_is_named(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, history.b[-1], transition="approve", to_state="stamping",
                                  actor="seal_keeper"))
    assert failing(audit(county)) == {index: ["role-not-allowed"]}


def test_field_value_not_as_its_parser_records_it_is_named(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, history.b[-1], transition="refuse", to_state="refused",
                                  actor="party_secretary", fields={"refusal_reason": "  不符合条件 "}))
    report = audit(county)
    assert failing(report) == {index: ["bad-field"]}


def post_disclosure(county: County) -> tuple[int, list[int]]:
    """An F13 disclosure taken by the service up to the posting, whose closing waits five days."""
    service = county.service
    doc = service.start("vc_chair", F13, VILLAGE, "2026年第一季度村务公开",
                        {"matter": "2026年第一季度村务公开", "disclosure_kind": "季度定期公开"}, password=PASSWORD)
    service.step("vc_chair", doc, "submit_plan", {"content": "收支明细"},
                 [Upload("disclosure_draft", "草稿.txt", "草稿".encode())], password=PASSWORD)
    service.step("vsc_chair", doc, "vsc_pass", {"vsc_opinion": "同意公开"}, password=PASSWORD)
    view = service.step("party_secretary", doc, "joint_approve",
                        {"joint_tally": "7/7/7/0/0", "channels": "公开栏及互联网平台"},
                        [Upload("posted_photo", "照片.txt", "照片".encode())], password=PASSWORD)
    return doc, [h.log_index for h in view.history]


def test_step_before_its_period_has_run_is_named(county: County) -> None:
    doc, indices = post_disclosure(county)
    dba = Dba(county)
    county.clock.advance(days=4)
    index = dba.append(forge_next(county, dba, indices[-1], transition="close_posting", to_state="archived",
                                  actor="vc_chair", at=records.utc_timestamp(county.clock())))
    report = audit(county)
    assert failing(report) == {index: ["rule-refused"]}
    assert report.at(index)[0].message == "“公开期满，归档”不符合流程规则：公开栏公开时间不得少于五日"


def test_the_service_refuses_what_the_verifier_names(county: County) -> None:
    doc, _ = post_disclosure(county)
    with pytest.raises(Exception, match="公开栏公开时间不得少于五日"):
        county.service.step("vc_chair", doc, "close_posting", {}, password=PASSWORD)
    county.clock.advance(days=10)
    county.service.step("vc_chair", doc, "close_posting", {}, password=PASSWORD)
    assert audit(county).ok


def test_definition_entry_edited_without_the_registrar_key_is_named(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    where = definition_index(county, "major_decision_4y2g")
    envelope = records.open_envelope(leaves[where])
    payload = json.loads(envelope.payload)
    for quorum in payload["content"]["quorums"].values():
        quorum["rule"] = "true"
    payload["sha256"] = records.content_sha256(payload["content"])
    leaves[where] = replace(envelope, payload=canonical.encode(payload)).encode()
    dba.rewrite(leaves)
    report = audit(county)
    assert failing(report) == {where: ["bad-signature"], history.a[0]: ["definition-missing"]}


def test_definition_entry_re_signed_with_the_registrar_key_is_named(county: County, history: History) -> None:
    """The server's registrar key signs definitions; a DBA who takes it can re-sign a relaxed rule, but
    not the cadres' records that pinned the original, nor what later signers saw."""
    dba = Dba(county)
    leaves = dba.leaves()
    where = definition_index(county, "major_decision_4y2g")
    registrar = Keyring.load(county.home).registrar
    payload = json.loads(records.open_envelope(leaves[where]).payload)
    for quorum in payload["content"]["quorums"].values():
        quorum["rule"] = "true"
    payload["sha256"] = records.content_sha256(payload["content"])
    leaves[where] = sign_bytes(canonical.encode(payload), registrar, records.DEFINITION_TYPE)
    dba.rewrite(leaves)
    report = audit(county)
    assert failing(report) == {where: ["altered"], history.a[0]: ["definition-missing"]}


def test_definition_content_that_does_not_match_its_hash_is_malformed(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    where = definition_index(county, "major_decision_4y2g")
    payload = json.loads(records.open_envelope(leaves[where]).payload)
    payload["content"]["flowchart"]["title"] = "改过的标题"
    leaves[where] = sign_bytes(canonical.encode(payload), Keyring.load(county.home).registrar,
                               records.DEFINITION_TYPE)
    dba.rewrite(leaves)
    report = audit(county)
    assert failing(report)[where] == ["malformed"]
    assert "sha256 is not the SHA-256 of the definition's canonical content" in report.at(where)[0].message


def edited_definitions(tmp_path: Path, change: tuple[str, str]) -> registry_mod.Registry:
    """The shipped definitions with F31 edited in place, its version number left as it was."""
    target = tmp_path / "definitions"
    shutil.copytree(registry_mod.default_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    chart = target / "f31_certificate.yaml"
    chart.write_text(chart.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    return registry_mod.load([target])


def test_documents_keep_the_rules_they_pinned_when_a_version_is_edited_in_place(county: County, tmp_path: Path,
                                                                                history: History) -> None:
    """Edited without a new version number, F31 no longer lets the village committee verify: the older
    document keeps its pinned rules (in the service and in the verifier), a new one runs on the new."""
    edited = edited_definitions(tmp_path, ("roles: [village_clerk, vc_member, vc_chair]",
                                           "roles: [village_clerk, vc_member]"))
    service = Service(county.db, edited, county.service.blobs, county.clock, keyring=county.service.keyring)
    service.step("party_secretary", history.doc_b, "approve", {}, password=PASSWORD)
    newer = service.start("village_clerk", "certificate_issuance", VILLAGE, "李四申请居住证明",
                          {"applicant": "李四", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
                           "purpose": "就业"}, password=PASSWORD)
    service.step("vc_chair", newer, "list_check", {}, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        service.step("vc_chair", newer, "verify", {"verification": "属实"}, password=PASSWORD)
    with county.db.read() as s:
        pins = s.scalars(select(DefinitionEntry.sha256).where(DefinitionEntry.workflow_id == "certificate_issuance",
                                                                DefinitionEntry.version == 2))
        assert len(list(pins)) == 2
    report = audit(county)
    assert (report.ok, report.failures) == (True, [])


def test_version_removed_from_the_definitions_runs_from_the_log(county: County, tmp_path: Path,
                                                                history: History) -> None:
    edited = edited_definitions(tmp_path, ("version: 2", "version: 3"))
    service = Service(county.db, edited, county.service.blobs, county.clock, keyring=county.service.keyring)
    view = service.step("party_secretary", history.doc_b, "approve", {}, password=PASSWORD)
    assert (view.workflow_version, view.state) == (2, "stamping")
    assert audit(county).ok


def test_document_older_than_pinning_is_checked_against_the_logged_version(county: County) -> None:
    """An installation upgraded to pinning: its documents' first records name no hash. The verifier
    uses the version installed by the upgrade and says so."""
    doc = county.service.start("village_clerk", "certificate_issuance", VILLAGE, "王五申请居住证明",
                               {"applicant": "王五", "applicant_id": "431381198001010019",
                                "certificate_type": "居住证明", "purpose": "就业"}, password=PASSWORD)
    index = county.service.show(doc).history[0].log_index
    dba = Dba(county)
    leaves = dba.leaves()
    leaves[index] = records.sign(replace(record_at(leaves[index]), definition_sha256=None),
                                 [private_key(county, "village_clerk")]).encode()
    dba.rewrite(leaves[:index + 1])
    report = audit(county)
    where = definition_index(county, "certificate_issuance")
    note = f"文书 {doc}（第 {index} 条起）早于流程定义记入日志，按第 {where} 条记入的版本核验"
    assert (report.ok, report.notes) == (True, [note])


def test_definitions_are_installed_once_however_often_init_runs(county: County) -> None:
    install_all(county.db, county.service.keyring, county.registry)
    with county.db.read() as s:
        size = s.scalar(text("SELECT count(*) FROM log_entries"))
        assert s.scalar(text("SELECT count(*) FROM definition_entries")) == len(county.registry.workflows)
    install_all(county.db, county.service.keyring, county.registry)
    with county.db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM log_entries")) == size
