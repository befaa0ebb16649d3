"""Every item of the negative list (负面清单) that a flowchart applies refuses the step it guards, through
the service, with the item's number and text; the refused step changes nothing."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, County
from tests.test_flowchart_paths import form, scenario, walk
from workflow.engine import registry as registry_mod
from workflow.errors import StepRefused

# Values that make each item's rule hold (start fields and the guarded step's fields alike).
VIOLATIONS = {
    "N01": {"certificate_type": "亲属关系证明", "village_proof_issued": True},
    "N02": {"blank_document": True},
    "N03": {"price": "29999.99"},
    "N04": {"hospitality": True},
    "N05": {"owns_homestead": True},
    "N06": {"related_amount": "60000.00", "reviewed_amount": "45000.00"},
    "N07": {"purpose_type": "非生产性"},
    "N08": {"assisted_same_cause_this_year": True},
    "N09": {"per_capita_amount": "15.01"},
    "N10": {"cadre_relative": True, "county_home_visited": False},
    "N13": {"exclusion_found": "拥有商品房"},
    "N14": {"household_agrees": False},
    "N15": {"title_dispute": True},
    "N16": {"taken_out": True},
    "N17": {"voucher_kind": "白条"},
    "N18": {"plan_type": "个别承包地调整", "no_adjustment_clause": True},
}


def guarded() -> dict[str, tuple[str, str]]:
    """For each item a flowchart's prohibition cites: the first flowchart and step that applies it."""
    found: dict[str, tuple[str, str]] = {}
    for wf in registry_mod.load().charts():
        for action in (wf.start, *wf.transitions.values()):
            for rule in action.forbid:
                found.setdefault(rule.negative, (wf.id, action.id))
    return found


def test_every_applied_item_has_a_violation() -> None:
    assert sorted(guarded()) == sorted(VIOLATIONS)


@pytest.mark.parametrize("item", sorted(VIOLATIONS))
def test_negative_item_refuses_the_step_it_guards(shared_county: County, item: str) -> None:
    workflow, transition = guarded()[item]
    wf = shared_county.registry.get(workflow)
    spec = scenario(workflow)
    path = next(p for p in spec["paths"].values()
                if transition in [s if isinstance(s, str) else s["t"] for s in p["steps"]])
    steps = [s if isinstance(s, str) else s["t"] for s in path["steps"]]
    before = path["steps"][:steps.index(transition)]
    view = walk(shared_county, wf, spec, before, {**path.get("fields", {}), **VIOLATIONS[item]})
    action = wf.transitions[transition]
    extra = next((s.get("fields", {}) for s in path["steps"] if isinstance(s, dict) and s["t"] == transition), {})
    values, uploads = form(wf, action, {**spec.get("fields", {}), **extra, **VIOLATIONS[item]},
                           shared_county.clock().date().isoformat())
    title = shared_county.registry.support.negative.items[item].title
    with pytest.raises(StepRefused) as refused:
        shared_county.service.step(shared_county.user_for(action.roles), view.id, transition, values, uploads,
                                   password=PASSWORD)
    assert f"负面清单{item}：{title}" in refused.value.reasons
    assert shared_county.service.show(view.id).version == view.version
