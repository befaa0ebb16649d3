"""Limits the sources make binding do what the sources say: an objection to a published resolution left
unanswered past its three days can be taken to the township, which orders an answer or sends the matter back
(组织法 Art. 31); a step taken after a binding limit is recorded late; F12 publishes its implementation
result (四议两公开's second 公开). Limits no source makes binding only colour the worklist."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, County
from tests.test_flowchart_paths import form, scenario, walk
from workflow.engine import registry as registry_mod
from workflow.errors import DefinitionError, StepRefused

F01 = "major_decision_4y2g"


def objected(county: County) -> int:
    wf = county.registry.get(F01)
    view = walk(county, wf, scenario(F01), ["d_consult", "d_review", "d_resolve", "d_township_approve"])
    county.service.step("vsc_chair", view.id, "d_raise_objection", {"objection_text": "补偿标准偏低"},
                        password=PASSWORD)
    return view.id


def test_an_unanswered_objection_goes_to_the_township_only_after_three_days(county: County) -> None:
    doc_id = objected(county)
    note = {"escalation_note": "村委会三日内未答复"}
    with pytest.raises(StepRefused) as refused:
        county.service.step("vsc_chair", doc_id, "d_escalate_objection", note, password=PASSWORD)
    assert refused.value.reasons == ("异议答复期限（三日）未满，尚不能向乡镇反映",)
    county.clock.pass_deadline(county.service.show(doc_id).due_at)
    assert county.service.step("vsc_chair", doc_id, "d_escalate_objection", note,
                               password=PASSWORD).state == "d_township_supervision"
    ordered = county.service.step("township_reviewer", doc_id, "d_township_order_answer",
                                  {"supervision_opinion": "限三日内答复"}, password=PASSWORD)
    assert ordered.state == "d_objection"
    answered = county.service.step("vc_chair", doc_id, "d_answer_objection", {"objection_answer": "已复核"},
                                   password=PASSWORD)
    assert [h.late for h in answered.history[-3:]] == [True, False, False]


def test_an_answer_after_the_three_days_is_recorded_late(county: County) -> None:
    doc_id = objected(county)
    county.clock.advance(days=2)
    on_time = county.service.step("vc_chair", doc_id, "d_answer_objection", {"objection_answer": "已复核"},
                                  password=PASSWORD)
    assert on_time.history[-1].late is False
    county.service.step("vsc_chair", doc_id, "d_raise_objection", {"objection_text": "仍有异议"}, password=PASSWORD)
    county.clock.pass_deadline(county.service.show(doc_id).due_at)
    late = county.service.step("vc_chair", doc_id, "d_answer_objection", {"objection_answer": "再次复核"},
                               password=PASSWORD)
    assert late.history[-1].late is True


def test_a_limit_no_source_makes_binding_is_never_late(county: County) -> None:
    wf = county.registry.get(F01)
    view = walk(county, wf, scenario(F01), [])
    assert wf.states["d_proposed"].deadline.binding is None
    county.clock.advance(days=40)
    stepped = county.service.step("party_secretary", view.id, "d_consult_reject", {"reject_reason": "暂缓"},
                                  password=PASSWORD)
    assert [h.late for h in stepped.history] == [False, False]


def test_f12_publishes_its_implementation_result_after_the_supervision_committee(county: County) -> None:
    wf = county.registry.get("land_contracting_plan")
    spec = scenario(wf.id)
    steps = spec["paths"]["members_main"]["steps"]
    view = walk(county, wf, spec, steps[:-1])
    assert view.state == "result_published"
    assert wf.states["result_published"].disclose.fields == ("matter", "plan_type", "land_area", "contract_count",
                                                            "result_summary")
    with pytest.raises(StepRefused):
        county.service.step("vc_chair", view.id, "archive", {}, password=PASSWORD)
    county.clock.now = county.clock.now + timedelta(days=9)
    assert county.service.step("vc_chair", view.id, "archive", {}, password=PASSWORD).state == "archived"


def test_an_escalating_limit_without_a_way_out_is_refused_by_the_checker(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(registry_mod.default_dir(), defs)
    path = defs / "procedures" / "four_deliberations.yaml"
    text = path.read_text(encoding="utf-8")
    condition = '    conditions:\n      - {rule: "deadline_passed", text: 异议答复期限（三日）未满，尚不能向乡镇反映}\n'
    assert condition in text
    path.write_text(text.replace(condition, ""), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        registry_mod.load([defs])
    assert {p.rule for p in refused.value.problems} == {"no-escalation"}


def late_limits() -> list[tuple[str, str]]:
    return [(wf.id, name) for wf in registry_mod.load().charts() for name, state in wf.states.items()
            if state.deadline is not None and state.deadline.binding == "late"]


@pytest.mark.parametrize("workflow,state", late_limits())
def test_every_binding_limit_records_a_step_after_it_as_late(county: County, workflow: str, state: str) -> None:
    wf = county.registry.get(workflow)
    spec = scenario(workflow)
    path, at = next((p, i) for p in spec["paths"].values() for i, s in enumerate(p["steps"][:-1])
                    if wf.transitions[s if isinstance(s, str) else s["t"]].to == state)
    view = walk(county, wf, spec, path["steps"][:at + 1], path.get("fields"))
    assert view.state == state
    county.clock.pass_deadline(view.due_at)
    following = path["steps"][at + 1]
    tid, extra = (following, {}) if isinstance(following, str) else (following["t"], following.get("fields", {}))
    action = wf.transitions[tid]
    values, uploads = form(wf, action, {**spec.get("fields", {}), **path.get("fields", {}), **extra},
                           county.clock().date().isoformat())
    after = county.service.step(county.user_for(action.roles), view.id, tid, values, uploads, password=PASSWORD)
    assert after.history[-1].late is True
