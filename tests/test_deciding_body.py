"""The deciding body and its rule follow the matter the document records: land contracted to someone outside
the collective needs 2/3 of the 村民会议 or of the 村民代表 and the township government's approval (土地承包
法 Art. 52), in F04 and in F01 alike; the 村民会议 counts adults or households (组织法 Art. 22); the 村民代表
会议 decides only with the 村民会议's authorisation (Art. 24); the 成员大会 and 成员代表大会 decide the
collective's matters by 2/3 of all (集体经济组织法 Arts. 27, 28), and the latter never land compensation."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, VILLAGE, County
from tests.test_flowchart_paths import form, scenario, walk
from workflow.documents.service import Service, Upload
from workflow.engine import registry as registry_mod
from workflow.errors import StepRefused

ART_52 = ("会议表决不符合法定要求：须经本集体经济组织成员的村民会议三分之二以上成员或者三分之二以上村民代表同意"
          "（应到：村民会议成员数或村民代表数）（《农村土地承包法》第五十二条第一款：“发包方将农村土地发包给本集体"
          "经济组织以外的单位或者个人承包，应当事先经本集体经济组织成员的村民会议三分之二以上成员或者三分之二以上"
          "村民代表的同意，并报乡（镇）人民政府批准。”）")
OUTSIDER_LAND_F04 = {"disposal_method": "发包", "asset_kind": "农村土地（耕地、林地、草地、“四荒”地等）",
                     "bidder_scope": "允许本集体经济组织以外的单位或个人参与"}
OUTSIDER_LAND_F01 = {"item": "村集体资产资源处置", "counterparty": "本集体经济组织以外的单位或个人",
                     "involves_land": True}
REPS = {"decision_body": "村民代表会议"}


def at(county: County, workflow: str, steps: list, path_fields: dict) -> tuple:
    wf = county.registry.get(workflow)
    return wf, walk(county, wf, scenario(workflow), steps, path_fields)


def step(county: County, wf, doc_id: int, transition: str, values: dict) -> dict:
    action = wf.transitions[transition]
    given, uploads = form(wf, action, {**scenario(wf.id).get("fields", {}), **values},
                          county.clock().date().isoformat())
    return county.service.step(county.user_for(action.roles), doc_id, transition, given, uploads, password=PASSWORD)


def refused(county: County, wf, doc_id: int, transition: str, values: dict) -> tuple[str, ...]:
    before = county.service.show(doc_id)
    with pytest.raises(StepRefused) as caught:
        step(county, wf, doc_id, transition, values)
    assert county.service.show(doc_id) == before
    return caught.value.reasons


def test_f04_outsider_contracting_needs_two_thirds_of_representatives_and_the_township(county: County) -> None:
    wf, view = at(county, "collective_asset_disposal", ["set_reserve_price", "d_consult", "d_review"],
                  OUTSIDER_LAND_F04)
    doc = view.id
    assert refused(county, wf, doc, "d_resolve", {**REPS, "resolution_tally": "30/30/19/11/0"}) == (ART_52,)
    assert step(county, wf, doc, "d_resolve", {**REPS, "resolution_tally": "30/30/20/10/0"}).state == "d_resolved"
    step(county, wf, doc, "d_township_approve", {})
    county.clock.pass_deadline(county.service.show(doc).due_at)
    assert step(county, wf, doc, "d_close_publicity", {}).state == "township_review"
    assert refused(county, wf, doc, "township_approve", {}) == (
        "向本集体经济组织以外发包农村土地须报乡（镇）人民政府批准（《农村土地承包法》第五十二条）",)
    assert step(county, wf, doc, "government_approve", {}).state == "listing"


def test_f04_members_only_disposal_of_a_building_may_go_to_the_authorised_representatives(county: County) -> None:
    wf, view = at(county, "collective_asset_disposal", ["set_reserve_price", "d_consult", "d_review"],
                  {"asset_kind": "房屋建筑物、设施设备", "disposal_method": "租赁"})
    values = {**REPS, "resolution_tally": "30/20/11/9/0", "authorisation": "2026年1月村民会议授权决定"}
    assert step(county, wf, view.id, "d_resolve", values).state == "d_resolved"


def test_f01_serving_outsider_contracting_needs_the_same_and_the_township_before_implementing(
        county: County) -> None:
    wf, view = at(county, "major_decision_4y2g", ["d_consult", "d_review"], OUTSIDER_LAND_F01)
    doc = view.id
    assert refused(county, wf, doc, "d_resolve", {**REPS, "resolution_tally": "30/30/19/11/0"}) == (ART_52,)
    step(county, wf, doc, "d_resolve", {**REPS, "resolution_tally": "30/30/20/10/0"})
    step(county, wf, doc, "d_township_approve", {})
    county.clock.pass_deadline(county.service.show(doc).due_at)
    assert step(county, wf, doc, "d_close_publicity", {}).state == "implementing"
    assert refused(county, wf, doc, "complete", {}) == (
        "《农村土地承包法》第五十二条第一款：发包方将农村土地发包给本集体经济组织以外的单位或者个人承包，"
        "应当……报乡（镇）人民政府批准",)
    step(county, wf, doc, "report_township", {})
    assert "资信情况和经营能力" in refused(county, wf, doc, "township_approve", {"credit_checked": False})[0]
    step(county, wf, doc, "township_approve", {"credit_checked": True})
    assert step(county, wf, doc, "complete", {}).state == "result_review"


def test_f01_for_a_village_road_needs_no_township_approval(county: County) -> None:
    wf, view = at(county, "major_decision_4y2g", ["d_consult", "d_review", "d_resolve", "d_township_approve",
                                                  "d_close_publicity"], {})
    assert refused(county, wf, view.id, "report_township", {}) == (
        "只有向本集体经济组织以外发包农村土地须报乡（镇）人民政府批准",)
    assert step(county, wf, view.id, "complete", {}).state == "result_review"


def test_villager_assembly_counts_adults_or_households_as_the_tally_says(county: County) -> None:
    """Thirty households, sixteen present: enough for the adults' route (16 of 30 adults), not for the
    households' (16 of 30 households is less than two thirds)."""
    wf, view = at(county, "major_decision_4y2g", ["d_consult", "d_review"], {})
    reasons = refused(county, wf, view.id, "d_resolve",
                      {"decision_body": "村民会议（按本村户的代表计算到会）", "resolution_tally": "30/16/12/4/0"})
    assert reasons[0].startswith("会议表决不符合法定要求：村民会议须有本村三分之二以上的户的代表参加")
    assert "《村民委员会组织法》第二十二条第一款：“召开村民会议" in reasons[0]
    moved = step(county, wf, view.id, "d_resolve",
                 {"decision_body": "村民会议（按本村十八周岁以上村民计算到会）", "resolution_tally": "30/16/12/4/0"})
    assert moved.state == "d_resolved"


def test_representatives_decide_a_village_matter_only_with_the_assembly_authorisation(county: County) -> None:
    wf, view = at(county, "major_decision_4y2g", ["d_consult", "d_review"], {})
    without = {**REPS, "resolution_tally": "30/25/20/5/0", "authorisation": None}
    assert refused(county, wf, view.id, "d_resolve", without) == (
        "村民代表会议讨论决定涉及村民利益的村务事项须经授权，须写明授权决定（《村民委员会组织法》第二十四条第二款："
        "“村民会议可以授权村民代表会议讨论决定前款规定的事项。”）",)
    values = {**REPS, "resolution_tally": "30/25/20/5/0", "authorisation": "2026年1月10日村民会议授权"}
    assert step(county, wf, view.id, "d_resolve", values).state == "d_resolved"


def test_land_compensation_cannot_be_decided_by_the_members_representatives(county: County) -> None:
    wf, view = at(county, "land_compensation_distribution",
                  ["confirm_members", "draft_plan", "d_consult", "d_review"], {})
    reasons = refused(county, wf, view.id, "d_resolve",
                      {"decision_body": "集体经济组织成员代表大会", "resolution_tally": "30/30/30/0/0"})
    assert reasons == ("“集体经济组织成员代表大会”不能决定土地补偿费等的分配、使用办法，须由集体经济组织成员大会决定"
                       "（《农村集体经济组织法》第二十六条第一款第十项、第二十八条第四款：“成员代表大会按照农村集体经济组织"
                       "章程规定行使本法第二十六条第一款规定的成员大会部分职权，但是第一项、第三项、第八项、第十项、第十二项"
                       "规定的职权除外。”）",)


def test_income_distribution_is_the_collective_s_and_not_the_village_representatives(county: County) -> None:
    wf, view = at(county, "collective_income_distribution", ["submit_proposal", "d_consult", "d_review"], {})
    reasons = refused(county, wf, view.id, "d_resolve",
                      {**REPS, "authorisation": "授权", "resolution_tally": "30/30/30/0/0"})
    assert reasons[0].startswith("“村民代表会议”不能决定集体经济项目投资及收益分配、年度财务预决算，"
                                 "须由集体经济组织成员大会、集体经济组织成员代表大会决定")
    moved = step(county, wf, view.id, "d_resolve",
                 {"decision_body": "集体经济组织成员代表大会", "resolution_tally": "21/21/14/7/0"})
    assert moved.state == "d_resolved"


def test_collective_construction_land_is_for_the_members_not_the_village_representatives(county: County) -> None:
    wf, view = at(county, "collective_asset_disposal", ["set_reserve_price", "d_consult", "d_review"],
                  {"asset_kind": "集体经营性建设用地", "disposal_method": "出让"})
    reasons = refused(county, wf, view.id, "d_resolve",
                      {**REPS, "authorisation": "授权", "resolution_tally": "30/30/30/0/0"})
    assert reasons == ("“村民代表会议”不能决定集体经营性建设用地使用、出让、出租方案，须由集体经济组织成员大会、"
                       "集体经济组织成员代表大会决定（《农村集体经济组织法》第二十六条第一款第九项、第二十八条第四款："
                       "“（九）对集体经营性建设用地使用、出让、出租方案等事项作出决定”）",)
    moved = step(county, wf, view.id, "d_resolve",
                 {"decision_body": "集体经济组织成员代表大会", "resolution_tally": "30/28/20/8/0"})
    assert moved.state == "d_resolved"


def test_a_decision_started_on_version_1_finishes_by_its_rules(county: County) -> None:
    """Documents already started keep their version: an F01 begun before version 2 still resolves by
    version 1's fixed 村民代表会议 rule, while a new one must say which body decided."""
    retired = registry_mod.shipped_dir() / "retired" / "f01_major_decision_v1.yaml"
    before = Service(county.db, registry_mod.load([retired]), county.service.blobs, county.clock,
                     keyring=county.service.keyring)
    old = before.start("party_secretary", "major_decision_4y2g", VILLAGE, "修建村组道路", {"matter": "修路"},
                       [Upload("proposal", "方案.txt", b"plan")], password=PASSWORD)
    wf = county.registry.get("major_decision_4y2g", 1)
    for transition in ("d_consult", "d_review"):
        step(county, wf, old, transition, {})
    moved = county.service.step("vc_chair", old, "d_resolve", {"resolution_tally": "30/20/11/9/0",
                                                                "resolution_summary": "同意"},
                                [Upload("resolution_minutes", "记录.txt", b"x")], password=PASSWORD)
    assert (moved.workflow_version, moved.state) == (1, "d_resolved")
    new_wf, new = at(county, "major_decision_4y2g", ["d_consult", "d_review"], {})
    assert new.workflow_version == 2
    with pytest.raises(StepRefused) as refused:
        county.service.step("vc_chair", new.id, "d_resolve", {"resolution_tally": "30/20/11/9/0",
                                                                 "resolution_summary": "同意"},
                            [Upload("resolution_minutes", "记录.txt", b"x")], password=PASSWORD)
    assert "缺少必填项“决定机关”" in refused.value.reasons
