"""The service layer's rules: scope, required fields and attachments, statutory quorums, the negative
list, time limits, withdraw, version pinning, concurrency and append-only history, on both databases."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import OTHER_VILLAGE, PASSWORD, VILLAGE, County
from workflow.documents.service import Service, Upload
from workflow.engine import registry as registry_mod
from workflow.errors import Conflict, InputError, PermissionDenied, StepRefused
from workflow.people import directory
from workflow.store.tables import Document, Step

F01 = "major_decision_4y2g"
ADULTS = "村民会议（按本村十八周岁以上村民计算到会）"  # the body deciding a village road
ROAD = {"item": "村级工程项目建设", "counterparty": "不涉及", "involves_land": False}
MINUTES = [Upload("consult_record", "两委会议记录.txt", "会议记录".encode())]
CONSULT = {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意提交党员大会审议"}


def start_decision(county: County) -> int:
    return county.service.start("party_secretary", F01, VILLAGE, "修建村组道路",
                                {"matter": "修建二组道路", "amount": "85000", **ROAD},
                                [Upload("proposal", "方案.txt", "方案".encode())], password=PASSWORD)


def consulted_decision(county: County) -> int:
    doc_id = start_decision(county)
    county.service.step("party_secretary", doc_id, "d_consult", CONSULT, MINUTES, password=PASSWORD)
    return doc_id


def review(county: County, doc_id: int, tally: str) -> dict:
    return county.service.step("party_secretary", doc_id, "d_review", {"review_tally": tally},
                               [Upload("review_minutes", "党员大会记录.txt", "记录".encode())],
                               password=PASSWORD)


def history_length(county: County, doc_id: int) -> int:
    return len(county.service.show(doc_id).history)


def test_party_assembly_passes_with_exactly_two_thirds_present(county: County) -> None:
    doc_id = consulted_decision(county)
    assert review(county, doc_id, "应到=30,实到=20,赞成=16,反对=4,弃权=0").state == "d_reviewed"


def test_party_assembly_refused_one_below_two_thirds_present(county: County) -> None:
    doc_id = consulted_decision(county)
    with pytest.raises(StepRefused) as refused:
        review(county, doc_id, "应到=30,实到=19,赞成=16,反对=3,弃权=0")
    assert (refused.value.code, refused.value.reason_codes) == ("machine.refused", ("guard.county-rule-not-met",))
    assert refused.value.reasons == (county.registry.support.meeting("party_assembly").refusal("党员大会表决"),)
    assert refused.value.reasons[0].startswith(
        "党员大会表决不符合县规则：党员大会须有应到会党员三分之二以上到会，赞成票须超过应到会党员的半数（县规则：")
    assert county.service.show(doc_id).state == "d_consulted"


def test_party_assembly_refused_when_yes_is_exactly_half_of_members(county: County) -> None:
    doc_id = consulted_decision(county)
    with pytest.raises(StepRefused):
        review(county, doc_id, "30/30/15/15/0")


def test_collective_assembly_passes_with_exactly_two_thirds_of_all_members(registry) -> None:
    rule = registry.support.quorum_rules["collective_assembly"]
    assert rule.holds({"expected": 300, "present": 200, "yes": 200, "no": 0, "abstain": 0}) is True
    assert rule.holds({"expected": 300, "present": 300, "yes": 199, "no": 101, "abstain": 0}) is False


def test_rep_assembly_decides_by_those_present(registry) -> None:
    rule = registry.support.quorum_rules["rep_assembly"]
    assert rule.holds({"expected": 45, "present": 30, "yes": 16, "no": 14, "abstain": 0}) is True
    assert rule.holds({"expected": 45, "present": 30, "yes": 15, "no": 15, "abstain": 0}) is False


def test_cadre_of_another_village_cannot_start_here(county: County) -> None:
    with pytest.raises(PermissionDenied) as denied:
        county.service.start("outsider_village", F01, VILLAGE, "越权发起", {"matter": "x"},
                             [Upload("proposal", "a.txt", b"a")], password=PASSWORD)
    assert (denied.value.code, denied.value.reason_codes) == ("service.cannot-start", ("guard.role-required",))
    assert denied.value.reasons == ("需要在石门坎村/石马山镇/涟源市担任以下角色之一：村党组织书记",)
    assert county.service.count() == 0


def test_cadre_of_another_village_cannot_see_or_step_a_document(county: County) -> None:
    doc_id = start_decision(county)
    with pytest.raises(PermissionDenied):
        county.service.show(doc_id, "outsider_village")
    with pytest.raises(PermissionDenied):
        county.service.step("outsider_village", doc_id, "d_consult", CONSULT, MINUTES, password=PASSWORD)
    assert history_length(county, doc_id) == 1


def test_reviewer_of_another_township_cannot_approve(county: County) -> None:
    doc_id = consulted_decision(county)
    review(county, doc_id, "30/30/30/0/0")
    county.service.step("vc_chair", doc_id, "d_resolve", {"decision_body": ADULTS, "resolution_tally": "45/40/35/5/0",
                                                          "resolution_summary": "同意修路"},
                        [Upload("resolution_minutes", "决议.txt", b"x")], password=PASSWORD)
    with pytest.raises(PermissionDenied):
        county.service.step("outsider_township", doc_id, "d_township_approve", {"township_opinion": "同意"},
                            password=PASSWORD)
    assert county.service.step("township_reviewer", doc_id, "d_township_approve",
                               {"township_opinion": "程序合规"}, password=PASSWORD).state == "d_publicizing"


def test_missing_required_field_is_refused_and_nothing_is_written(county: County) -> None:
    doc_id = start_decision(county)
    with pytest.raises(StepRefused) as refused:
        county.service.step("party_secretary", doc_id, "d_consult", {"consult_minutes": "同意"}, MINUTES,
                            password=PASSWORD)
    assert refused.value.reason_codes == ("guard.field-required",)
    assert refused.value.reasons[0].params == {"field": "两委会议表决"}
    assert refused.value.reasons == ("缺少必填项“两委会议表决”",)
    view = county.service.show(doc_id)
    assert (view.state, view.version, len(view.history)) == ("d_proposed", 0, 1)


def test_missing_required_attachment_is_refused(county: County) -> None:
    doc_id = start_decision(county)
    with pytest.raises(StepRefused) as refused:
        county.service.step("party_secretary", doc_id, "d_consult", CONSULT, password=PASSWORD)
    assert refused.value.reason_codes == ("guard.attachment-required",)
    assert refused.value.reasons == ("缺少附件“两委联席会议记录”",)
    assert history_length(county, doc_id) == 1


def test_malformed_field_value_names_the_field(county: County) -> None:
    with pytest.raises(InputError) as bad:
        county.service.start("party_secretary", F01, VILLAGE, "道路", {"matter": "修路", "amount": "八万"},
                             [Upload("proposal", "a.txt", b"a")], password=PASSWORD)
    assert str(bad.value) == "字段“涉及金额（元）”（amount）：“八万”不是金额（元）"


def test_unknown_field_is_refused_with_the_fields_allowed(county: County) -> None:
    doc_id = start_decision(county)
    with pytest.raises(InputError) as bad:
        county.service.step("party_secretary", doc_id, "d_consult", {**CONSULT, "colour": "red"}, MINUTES,
                            password=PASSWORD)
    assert bad.value.code == "service.unknown-fields"
    assert str(bad.value).startswith("“村“两委”联席会议商议”没有字段：colour；")


def test_transition_from_the_wrong_state_is_refused(county: County) -> None:
    doc_id = start_decision(county)
    with pytest.raises(StepRefused) as refused:
        county.service.step("vc_chair", doc_id, "complete", {"result_summary": "完成"}, password=PASSWORD)
    assert (refused.value.code, refused.value.message.params) == ("machine.not-from-state", {"transition": "complete"})
    assert str(refused.value) == "当前状态下不能执行操作 'complete'"


def test_negative_list_refuses_a_banned_certificate(county: County) -> None:
    doc_id = county.service.start("village_clerk", "certificate_issuance", VILLAGE, "开具亲属关系证明",
                                  {"applicant": "张三", "applicant_id": "431381198001010019",
                                   "certificate_type": "亲属关系证明", "purpose": "继承"}, password=PASSWORD)
    with pytest.raises(StepRefused) as refused:
        county.service.step("village_clerk", doc_id, "list_check", {}, password=PASSWORD)
    assert refused.value.reason_codes == ("guard.negative-list",)
    assert refused.value.reasons[0].params["item"] == "N01"
    assert refused.value.reasons == ("负面清单N01：不得出具不属于村级组织出具范围的证明事项",)
    assert county.service.step("village_clerk", doc_id, "refer",
                               {"referral": "请到派出所办理"}, password=PASSWORD).state == "refused"


def test_publicity_cannot_close_before_its_period_ends(county: County) -> None:
    doc_id = consulted_decision(county)
    review(county, doc_id, "30/30/30/0/0")
    county.service.step("vc_chair", doc_id, "d_resolve", {"decision_body": ADULTS, "resolution_tally": "45/40/35/5/0",
                                                          "resolution_summary": "同意"},
                        [Upload("resolution_minutes", "决议.txt", b"x")], password=PASSWORD)
    county.service.step("township_reviewer", doc_id, "d_township_approve", {"township_opinion": "合规"},
                        password=PASSWORD)
    county.clock.advance(days=6)
    with pytest.raises(StepRefused) as refused:
        county.service.step("vc_chair", doc_id, "d_close_publicity", {}, password=PASSWORD)
    assert refused.value.reason_codes == ("guard.condition-unmet",)
    assert refused.value.reasons == ("决议公开期未满，不能结束公示",)
    county.clock.pass_deadline(county.service.show(doc_id).due_at)
    assert county.service.step("vc_chair", doc_id, "d_close_publicity", {},
                               password=PASSWORD).state == "implementing"


def test_only_the_previous_actor_may_withdraw(county: County) -> None:
    with county.db.write() as s:
        directory.add_user(s, county.registry.support, "deputy", "副书记", PASSWORD, "party_secretary", VILLAGE,
                           keyring=county.service.keyring)
    doc_id = consulted_decision(county)
    with pytest.raises(PermissionDenied) as denied:
        county.service.step("deputy", doc_id, "d_withdraw_consult", {"withdraw_reason": "重新商议"},
                            password=PASSWORD)
    assert (denied.value.code, denied.value.reason_codes) == ("service.cannot-step", ("guard.previous-actor-only",))
    assert denied.value.reasons == ("只有办理上一步的人可以撤回",)
    view = county.service.step("party_secretary", doc_id, "d_withdraw_consult", {"withdraw_reason": "重新商议"},
                               password=PASSWORD)
    assert view.state == "d_proposed"


def test_show_lists_what_the_user_may_do_and_why_not(county: County) -> None:
    doc_id = start_decision(county)
    offers = {a.id: a for a in county.service.show(doc_id, "vc_member").actions}
    assert offers["d_consult"].allowed is False
    assert offers["d_consult"].reasons == ("需要在石门坎村/石马山镇/涟源市担任以下角色之一：村党组织书记",)
    assert [r.code for r in offers["d_consult"].reasons] == ["guard.role-required"]
    mine = {a.id: a for a in county.service.show(doc_id, "party_secretary").actions}
    assert mine["d_consult"].allowed is True
    assert [f["name"] for f in mine["d_consult"].fields] == ["consult_tally", "consult_minutes"]
    assert mine["d_consult"].fields[0]["quorum"]["id"] == "two_committees"


def test_concurrent_steps_on_one_document_exactly_one_succeeds(county: County) -> None:
    doc_id = start_decision(county)
    version = county.service.show(doc_id).version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            county.service.step("party_secretary", doc_id, "d_consult", CONSULT, MINUTES,
                                expected_version=version, password=PASSWORD)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    view = county.service.show(doc_id)
    assert (view.version, len(view.history)) == (1, 2)


def test_concurrent_different_steps_leave_one_consistent_history(county: County) -> None:
    doc_id = start_decision(county)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(transition: str, values: dict) -> None:
        barrier.wait()
        try:
            county.service.step("party_secretary", doc_id, transition, values,
                                MINUTES if transition == "d_consult" else [], password=PASSWORD)
            outcomes.append(transition)
        except (Conflict, StepRefused):
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=("d_consult", CONSULT)),
               threading.Thread(target=attempt, args=("d_consult_reject", {"reject_reason": "不同意"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("refused") == 1
    view = county.service.show(doc_id)
    assert len(view.history) == 2
    assert view.history[1].to_state == view.state


def test_history_rows_cannot_be_updated_or_deleted(county: County) -> None:
    doc_id = start_decision(county)
    for statement in ("UPDATE steps SET comment = 'x'", "DELETE FROM steps"):
        with pytest.raises(Exception) as refused:
            with county.db.write() as s:
                s.execute(text(statement))
        assert "append-only" in str(refused.value)
    assert history_length(county, doc_id) == 1


def test_document_stays_on_the_version_it_was_started_with(county: County, tmp_path: Path) -> None:
    shipped = registry_mod.default_dir()
    current = registry_mod.load().get("certificate_issuance").version
    v1 = (shipped / "f31_certificate.yaml").read_text(encoding="utf-8")
    v2 = v1.replace(f"version: {current}", f"version: {current + 1}").replace("title: 清单核对",
                                                                          "title: 清单核对（第二版）")
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "f31_certificate_v2.yaml").write_text(v2, encoding="utf-8")
    fields = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
              "purpose": "入学"}
    old_id = county.service.start("village_clerk", "certificate_issuance", VILLAGE, "居住证明", fields,
                                  password=PASSWORD)
    both = registry_mod.load([shipped / "f31_certificate.yaml", tmp_path / "v2" / "f31_certificate_v2.yaml"])
    upgraded = Service(county.db, both, county.service.blobs, county.clock, keyring=county.service.keyring)
    new_id = upgraded.start("village_clerk", "certificate_issuance", VILLAGE, "居住证明", fields, password=PASSWORD)
    old = upgraded.step("village_clerk", old_id, "list_check", {}, password=PASSWORD)
    new = upgraded.step("village_clerk", new_id, "list_check", {}, password=PASSWORD)
    assert (old.workflow_version, old.history[1].title) == (current, "清单核对")
    assert (new.workflow_version, new.history[1].title) == (current + 1, "清单核对（第二版）")


def test_list_filters_by_place_state_and_definition(county: County) -> None:
    start_decision(county)
    consulted_decision(county)
    listed = county.service.list(place="石马山镇", state="d_consulted", workflow="F01")
    assert [d.state for d in listed] == ["d_consulted"]
    assert county.service.list(place=OTHER_VILLAGE) == []


def test_attachments_are_stored_by_their_sha256(county: County) -> None:
    doc_id = start_decision(county)
    attachment = county.service.show(doc_id).history[0].attachments[0]
    assert attachment.sha256 == hashlib.sha256("方案".encode()).hexdigest()
    assert county.service.blobs.get(attachment.sha256) == "方案".encode()
    with county.db.read() as s:
        assert s.scalar(select(Step.id).where(Step.document_id == doc_id)) is not None
        assert s.get(Document, doc_id).data["amount"] == "85000.00"
