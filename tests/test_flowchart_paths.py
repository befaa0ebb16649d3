"""Every flowchart walked end to end through the service layer: its main path and each return,
withdraw, objection and reject branch, on SQLite and on PostgreSQL.

The paths live in workflow/demo/scenarios/<flowchart id>.yaml, shared with the demo county; together they
must take every transition.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import PASSWORD, VILLAGE, County
from workflow.demo import scenarios
from workflow.documents.service import Upload
from workflow.engine import registry as registry_mod
from workflow.engine.fields import valid_id_card
from workflow.engine.flowchart import Action, Workflow
from workflow.engine.schema import FieldSpec
from workflow.ledger.verify import Attachments, Scope, verify_database
from workflow.people.directory import PORTAL_ROLE, PORTAL_USERNAME

SCENARIOS = scenarios.DIRECTORY
PASSING_TALLY = {"expected": 30, "present": 30, "yes": 30, "no": 0, "abstain": 0}
FAILING_TALLY = {"expected": 30, "present": 20, "yes": 5, "no": 15, "abstain": 0}
PATH_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def scenario(workflow_id: str) -> dict:
    return scenarios.scenario(workflow_id)


def _cases() -> list[tuple[str, str]]:
    reg = registry_mod.load()
    cases = []
    for wf in reg.charts():
        path = SCENARIOS / f"{wf.id}.yaml"
        if path.exists():
            cases += [(wf.id, name) for name in scenario(wf.id)["paths"]]
    return cases


def default_value(wf: Workflow, spec: FieldSpec, today: str) -> Any:
    if spec.type == "tally":
        return dict(PASSING_TALLY if spec.quorum or spec.route else FAILING_TALLY)
    return {
        "text": f"{spec.title}：测试内容",
        "integer": 1,
        "amount": "1000.00",
        "date": today,
        "choice": (wf.options(spec) or ("",))[0],
        "boolean": False,
        "id_card": valid_id_card("43138119800101001"),
        "phone": "13800138000",
    }[spec.type]


def form(wf: Workflow, action: Action, overrides: dict, today: str) -> tuple[dict, list[Upload]]:
    values = {f.name: overrides.get(f.name, default_value(wf, f, today)) for f in action.fields}
    uploads = [Upload(a.name, f"{a.name}.txt", f"{a.title}（测试附件）".encode()) for a in action.attachments]
    return values, uploads


def walk(county: County, wf: Workflow, spec: dict, steps: list, path_fields: dict | None = None) -> dict:
    """Start a document on PATH_START and take the steps, waiting out a time limit only where a step's rule
    asks for it (so the clock stays inside the holiday calendar's years)."""
    service, clock = county.service, county.clock
    clock.now = PATH_START
    today = clock().date().isoformat()
    start = spec["start"]
    fields = {**spec.get("fields", {}), **(path_fields or {})}
    values, uploads = form(wf, wf.start, {**spec.get("fields", {}), **start.get("fields", {}), **(path_fields or {})},
                           today)
    username, credential = _actor(county, wf.start.roles)
    doc_id = service.start(username, wf.id, VILLAGE, start["title"], values, uploads, **credential)
    view = service.show(doc_id)
    for step in steps:
        tid, extra = (step, {}) if isinstance(step, str) else (step["t"], step.get("fields", {}))
        action = wf.transitions[tid]
        values, uploads = form(wf, action, {**fields, **extra}, clock().date().isoformat())
        actor = view.history[-1].actor if action.by_previous_actor else county.user_for(action.roles)
        if any("deadline_passed" in c.rule.names for c in action.conditions):
            clock.pass_deadline(view.due_at)
        username, credential = _actor(county, action.roles) if actor == PORTAL_ROLE else (actor, {"password": PASSWORD})
        view = service.step(username, doc_id, tid, values, uploads, comment=f"测试：{action.title}", **credential)
    return view


def _actor(county: County, roles: tuple[str, ...]) -> tuple[str, dict]:
    """A villager's steps are the portal's, signed by its desk; everyone else signs with a password."""
    if county.user_for(roles) == PORTAL_ROLE:
        return PORTAL_USERNAME, {"signer": county.portal_signer()}
    return county.user_for(roles), {"password": PASSWORD}


@pytest.mark.parametrize("workflow_id,path_name", _cases())
def test_path_reaches_expected_state(shared_county: County, workflow_id: str, path_name: str) -> None:
    """Each path ends where it should, and what the service let through, the verifier's replay of the
    pinned definition from the log lets through too (one copy of each rule)."""
    wf = shared_county.registry.get(workflow_id)
    spec = scenario(workflow_id)
    path = spec["paths"][path_name]
    view = walk(shared_county, wf, spec, path["steps"], path.get("fields"))
    assert view.state == path["expect"]
    assert [h.seq for h in view.history] == list(range(len(path["steps"]) + 1))
    report = verify_database(shared_county.db, Attachments(shared_county.home / "blobs"),
                             scope=Scope(doc_id=view.id), processes=1)
    assert (report.ok, report.failures, report.notes, report.checked) == (True, [], [], len(view.history))


def test_every_flowchart_has_scenarios(registry: registry_mod.Registry) -> None:
    missing = [wf.id for wf in registry.charts() if not (SCENARIOS / f"{wf.id}.yaml").exists()]
    assert missing == []


@pytest.mark.parametrize("workflow_id", [wf.id for wf in registry_mod.load().charts()])
def test_scenarios_take_every_transition(registry: registry_mod.Registry, workflow_id: str) -> None:
    wf = registry.get(workflow_id)
    taken = {s if isinstance(s, str) else s["t"]
             for p in scenario(workflow_id)["paths"].values() for s in p["steps"]}
    assert sorted(set(wf.transitions) - taken) == []
