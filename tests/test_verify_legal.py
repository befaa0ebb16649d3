"""The verifier replays the legal rules the service applies, from the same code: the deciding body the
matter allows and its rule (土地承包法 Art. 52), separation of duties between the steps of one document
(negative-list N11), and a county's own meeting rule for its documents. Each forgery is a correctly signed,
chained step that the service would have refused."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD, VILLAGE, County
from tests.test_deciding_body import ART_52, OUTSIDER_LAND_F04, at
from tests.test_flowchart_paths import form, scenario
from tests.test_meeting_rules import lianyuan_party_rule
from tests.test_verify_rules import forge_next
from tests.test_verify_tamper import Dba, audit, build_history, failing
from workflow.documents.service import Service


def tally(expected: int, present: int, yes: int) -> dict:
    return {"expected": expected, "present": present, "yes": yes, "no": present - yes, "abstain": 0}


def forge_resolution(county: County, dba: Dba, last: int, yes: int) -> int:
    return dba.append(forge_next(
        county, dba, last, transition="d_resolve", to_state="d_resolved", actor="vc_chair",
        fields={"decision_body": "村民代表会议", "resolution_summary": "同意发包给外村公司"},
        tallies={"resolution_tally": tally(30, 30, yes)}, slots=("resolution_minutes",)))


def test_outsider_contracting_short_of_two_thirds_of_representatives_is_named_with_article_52(
        county: County) -> None:
    _, view = at(county, "collective_asset_disposal", ["set_reserve_price", "d_consult", "d_review"],
                 OUTSIDER_LAND_F04)
    dba = Dba(county)
    index = forge_resolution(county, dba, view.history[-1].log_index, yes=19)
    report = audit(county)
    assert failing(report) == {index: ["rule-refused"]}
    assert report.at(index)[0].message == f"“召开会议作出处置决议”不符合流程规则：{ART_52}"


def test_outsider_contracting_with_two_thirds_of_representatives_verifies(county: County) -> None:
    _, view = at(county, "collective_asset_disposal", ["set_reserve_price", "d_consult", "d_review"],
                 OUTSIDER_LAND_F04)
    dba = Dba(county)
    forge_resolution(county, dba, view.history[-1].log_index, yes=20)
    report = audit(county)
    assert (report.ok, report.failures) == (True, [])


def test_the_approver_stamping_as_seal_keeper_is_named_with_n11(county: County) -> None:
    history = build_history(county)
    view = county.service.step("party_secretary", history.doc_b, "approve", {}, password=PASSWORD)
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, view.history[-1].log_index, transition="stamp",
                                  to_state="issued", actor="party_secretary", role="seal_keeper",
                                  fields={"register_no": "2026-001", "blank_document": False},
                                  slots=("certificate_scan",)))
    report = audit(county)
    assert failing(report) == {index: ["role-not-allowed"]}
    assert report.at(index)[0].message == ("角色 seal_keeper 不能办理“用印并登记”：负面清单N11：审批人与印章保管人"
                                           "不得为同一人（本人已办理“审批同意”）")


def test_a_county_rule_is_replayed_in_the_documents_own_county(county: County, tmp_path: Path) -> None:
    """涟源市 asks three quarters at its 党员大会: a forged review that the default rule would pass is
    named with the county's own rule, read from the definition the document pinned in the log."""
    own = lianyuan_party_rule(tmp_path)
    service = Service(county.db, own, county.service.blobs, county.clock, keyring=county.service.keyring)
    wf = own.get("major_decision_4y2g")
    values, uploads = form(wf, wf.start, scenario(wf.id)["start"]["fields"], "")
    doc = service.start("party_secretary", wf.id, VILLAGE, "修路", values, uploads, password=PASSWORD)
    values, uploads = form(wf, wf.transitions["d_consult"], {}, "")
    view = service.step("party_secretary", doc, "d_consult", values, uploads, password=PASSWORD)
    dba = Dba(county)
    index = dba.append(forge_next(county, dba, view.history[-1].log_index, transition="d_review",
                                  to_state="d_reviewed", actor="party_secretary",
                                  tallies={"review_tally": tally(30, 20, 16)}, slots=("review_minutes",)))
    report = audit(county)
    assert failing(report) == {index: ["rule-refused"]}
    assert "（县规则：涟源市：涟源市“四议两公开”实施细则（示例））" in report.at(index)[0].message
