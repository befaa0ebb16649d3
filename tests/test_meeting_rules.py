"""Every meeting rule, statutory (quorums.yaml) and county (county_rules.yaml), pinned at its boundary
through the service: the tally at the exact threshold passes, one below on each count is refused with
the rule's text and its source, and the refused step changes nothing."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, VILLAGE, County
from tests.test_flowchart_paths import form, scenario, walk
from workflow.documents.service import Service
from workflow.engine import registry as registry_mod
from workflow.errors import StepRefused

AUTHORISED = "2026年1月10日村民会议决定授权村民代表会议讨论决定本年度村级公益事业事项"
ADULTS = "村民会议（按本村十八周岁以上村民计算到会）"
HOUSEHOLDS = "村民会议（按本村户的代表计算到会）"


@dataclass(frozen=True)
class Case:
    """Where a rule is applied: a flowchart, the steps before, the step and its tally field."""

    workflow: str
    before: tuple
    step: str
    tally: str
    exact: str
    below: tuple[str, ...]
    values: dict = field(default_factory=dict)
    path_fields: dict = field(default_factory=dict)


CASES = {
    "villager_assembly": Case("major_decision_4y2g", ("d_consult", "d_review"), "d_resolve", "resolution_tally",
                              "30/16/9/7/0", ("30/15/9/6/0", "30/16/8/8/0"), {"decision_body": ADULTS}),
    "villager_assembly_households": Case("major_decision_4y2g", ("d_consult", "d_review"), "d_resolve",
                                         "resolution_tally", "30/20/11/9/0", ("30/19/11/8/0", "30/20/10/10/0"),
                                         {"decision_body": HOUSEHOLDS}),
    "rep_assembly": Case("major_decision_4y2g", ("d_consult", "d_review"), "d_resolve", "resolution_tally",
                         "30/20/11/9/0", ("30/19/11/8/0", "30/20/10/10/0"),
                         {"decision_body": "村民代表会议", "authorisation": AUTHORISED}),
    "group_meeting": Case("poverty_registration_entry", (), "group_review", "group_tally", "30/20/11/9/0",
                          ("30/19/11/8/0", "30/20/10/10/0")),
    "collective_assembly": Case("land_compensation_distribution", (), "confirm_members", "membership_tally",
                                "300/200/200/0/0", ("300/199/199/0/0", "300/300/199/101/0")),
    "collective_rep_assembly": Case("collective_income_distribution", ("submit_proposal", "d_consult", "d_review"),
                                    "d_resolve", "resolution_tally", "21/21/14/7/0", ("21/21/13/8/0", "20/20/20/0/0"),
                                    {"decision_body": "集体经济组织成员代表大会"}),
    "land_contracting": Case("land_contracting_plan", ("draft_plan", "d_consult", "d_review"), "d_resolve",
                             "resolution_tally", "30/20/20/0/0", ("30/30/19/11/0",),
                             {"decision_body": "村民代表会议"}, {"plan_type": "本集体成员承包"}),
    "land_outsider": Case("land_contracting_plan", ("draft_plan", "d_consult", "d_review"), "d_resolve",
                          "resolution_tally", "30/20/20/0/0", ("30/30/19/11/0",),
                          {"decision_body": "村民代表会议"}, {"plan_type": "向本集体以外单位或个人发包"}),
    "two_committees": Case("major_decision_4y2g", (), "d_consult", "consult_tally", "30/16/9/7/0",
                           ("30/15/9/6/0", "30/16/8/8/0")),
    "party_assembly": Case("major_decision_4y2g", ("d_consult",), "d_review", "review_tally", "30/20/16/4/0",
                           ("30/19/16/3/0", "30/30/15/15/0")),
    "deliberation_council": Case("village_works_below_threshold",
                                 ("submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}},
                                  "refer_council", "d_consult", "d_review"),
                                 "d_resolve", "resolution_tally", "30/20/11/9/0", ("30/19/11/8/0", "30/20/10/10/0"),
                                 {"decision_body": "村民议事会", "authorisation": "2026年村民代表会议年度授权决议"}),
    "democratic_review": Case("dibao_application", ("request_materials", "resubmit", "accept", "request_review"),
                              "democratic_review", "review_tally",
                              "30/16/9/7/0", ("30/15/9/6/0", "30/16/8/8/0")),
    "supervision_committee": Case("financial_disclosure", ("compile",), "group_pass", "review_tally", "5/3/2/1/0",
                                  ("5/2/2/0/0", "5/3/1/2/0")),
}


def test_every_meeting_rule_has_a_boundary_case(registry) -> None:
    assert sorted(CASES) == sorted(registry.support.meetings[""])


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_at_its_threshold_and_refuses_one_below(shared_county: County, rule_id: str) -> None:
    case = CASES[rule_id]
    wf = shared_county.registry.get(case.workflow)
    spec = scenario(case.workflow)
    view = walk(shared_county, wf, spec, list(case.before), case.path_fields or None)
    action = wf.transitions[case.step]
    today = shared_county.clock().date().isoformat()
    values, uploads = form(wf, action, {**spec.get("fields", {}), **case.path_fields, **case.values}, today)
    actor = shared_county.user_for(action.roles)
    meeting = shared_county.registry.support.meeting(rule_id)
    for tally in case.below:
        with pytest.raises(StepRefused) as refused:
            shared_county.service.step(actor, view.id, case.step, {**values, case.tally: tally}, uploads,
                                       password=PASSWORD)
        assert meeting.refusal(action.field(case.tally).title) in refused.value.reasons
        assert shared_county.service.show(view.id).version == view.version
    moved = shared_county.service.step(actor, view.id, case.step, {**values, case.tally: case.exact}, uploads,
                                       password=PASSWORD)
    assert moved.state == action.to


def lianyuan_party_rule(tmp_path: Path) -> registry_mod.Registry:
    """The shipped definitions with 涟源市's own 党员大会 rule: three quarters present."""
    defs = tmp_path / "defs"
    shutil.copytree(registry_mod.shipped_dir(), defs, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    rules = (defs / "county_rules.yaml").read_text(encoding="utf-8")
    (defs / "county_rules.yaml").write_text(rules.replace("counties: {}", """counties:
  涟源市:
    party_assembly:
      rule: "present >= 3/4 * expected and yes > expected / 2"
      text: 党员大会须有应到会党员四分之三以上到会，赞成票须超过应到会党员的半数
      source: 涟源市“四议两公开”实施细则（示例）"""), encoding="utf-8")
    return registry_mod.load([defs])


def test_a_county_sets_its_own_rule_for_its_documents_only(county: County, tmp_path: Path) -> None:
    """County rules are the county's: 涟源市 requiring three quarters at its 党员大会 refuses what the
    default passes, and cites its own document; another county keeps the default."""
    own = lianyuan_party_rule(tmp_path)
    citation = own.support.meeting("party_assembly", "涟源市").citation
    assert citation == "县规则：涟源市：涟源市“四议两公开”实施细则（示例）"
    assert own.support.meeting("party_assembly", "娄底市").citation.startswith("县规则：默认规则")
    service = Service(county.db, own, county.service.blobs, county.clock, keyring=county.service.keyring)
    wf = own.get("major_decision_4y2g")
    spec = scenario(wf.id)
    values, uploads = form(wf, wf.start, spec["start"]["fields"], "")
    doc = service.start("party_secretary", wf.id, VILLAGE, "修路", values, uploads, password=PASSWORD)
    values, uploads = form(wf, wf.transitions["d_consult"], {}, "")
    service.step("party_secretary", doc, "d_consult", values, uploads, password=PASSWORD)
    values, uploads = form(wf, wf.transitions["d_review"], {"review_tally": "30/20/16/4/0"}, "")
    with pytest.raises(StepRefused) as refused:
        service.step("party_secretary", doc, "d_review", values, uploads, password=PASSWORD)
    assert refused.value.reasons == ("党员大会表决不符合县规则：党员大会须有应到会党员四分之三以上到会，赞成票须超过"
                                     "应到会党员的半数（县规则：涟源市：涟源市“四议两公开”实施细则（示例））",)
    values["review_tally"] = "30/23/16/7/0"
    assert service.step("party_secretary", doc, "d_review", values, uploads, password=PASSWORD).state == "d_reviewed"
