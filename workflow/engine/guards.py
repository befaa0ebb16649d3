"""Who may take a transition, and with what: every denial is returned with its reason.

Two halves, because the UI needs them apart: `who` (role held in the document's village, township or
county, the state's permission map, withdraw-by-previous-actor) decides whether a person sees the action
at all; `what` (fields, attachments, quorum rules, conditions, the negative list) decides whether the
form they filled in is acceptable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping, Optional, Protocol

from workflow.engine.flowchart import Action, Workflow
from workflow.engine.rules import MissingValue, RuleEvalError


class Actor(Protocol):
    """A person as the guards see them (people.directory.Principal is one): the engine knows no directory."""

    @property
    def user_id(self) -> int: ...

    def roles_at(self, place_ids: set[int]) -> list[str]: ...


@dataclass(frozen=True)
class Situation:
    """What the guards know about the document at the moment of the step."""

    state: Optional[str]
    place_ids: frozenset[int]
    place_names: tuple[str, ...]
    data: Mapping[str, Any]
    now: datetime
    state_entered_at: Optional[datetime]
    due_at: Optional[datetime]
    previous_actor_id: Optional[int]


def acting_role(wf: Workflow, action: Action, who: Actor, where: Situation) -> Optional[str]:
    """The first role of the action that the person holds in scope and the state lets act."""
    held = set(who.roles_at(set(where.place_ids)))
    state = wf.states.get(where.state) if where.state else None
    allowed = set(state.step) if state is not None and state.step else None
    for role in action.roles:
        if role in held and (allowed is None or role in allowed):
            return role
    return None


def who(wf: Workflow, action: Action, person: Actor, where: Situation) -> list[str]:
    roles = wf.support.roles.roles
    denials = []
    if acting_role(wf, action, person, where) is None:
        names = "、".join(roles[r].title for r in action.roles)
        state = wf.states.get(where.state) if where.state else None
        if state is not None and state.step and set(action.roles) & set(person.roles_at(set(where.place_ids))):
            denials.append(f"“{state.title}”状态下仅{'、'.join(roles[r].title for r in state.step)}可以办理")
        else:
            denials.append(f"需要在{'/'.join(where.place_names)}担任以下角色之一：{names}")
    if action.by_previous_actor and where.previous_actor_id != person.user_id:
        denials.append("只有办理上一步的人可以撤回")
    return denials


def can_view(wf: Workflow, state: str, person: Actor, place_ids: frozenset[int]) -> bool:
    allowed = wf.states[state].view or wf.chart.view
    held = person.roles_at(set(place_ids))
    return bool(held) if allowed is None else bool(set(held) & set(allowed))


def env(wf: Workflow, where: Situation, values: Mapping[str, Any]) -> dict[str, Any]:
    """The names a rule reads: constants, lists, the document's fields (amounts as exact numbers)."""
    result = wf.rule_env()
    for name, value in {**where.data, **values}.items():
        spec = wf.field_spec(name)
        result[name] = Decimal(value) if spec is not None and spec.type == "amount" else value
    result["deadline_passed"] = where.due_at is None or where.now >= where.due_at
    entered = where.state_entered_at or where.now
    result["days_in_state"] = (where.now - entered).days
    return result


def what(wf: Workflow, action: Action, where: Situation, values: Mapping[str, Any],
         attachments: set[str], pending: bool = False) -> list[str]:
    """Denials for the given form. With `pending`, fields not yet filled in are not held against it."""
    denials = []
    for spec in action.fields:
        if spec.name not in values:
            if spec.required and not pending:
                denials.append(f"缺少必填项“{spec.title}”")
            continue
        if spec.type == "tally" and spec.quorum:
            quorum = wf.support.quorums.quorums[spec.quorum]
            if not wf.support.quorum_rules[spec.quorum].holds(values[spec.name]):
                denials.append(f"{spec.title}不符合法定要求：{quorum.text}")
    if not pending:
        for a in action.attachments:
            if a.required and a.name not in attachments:
                denials.append(f"缺少附件“{a.title}”")
    names = env(wf, where, values)
    own = {f.name for f in action.fields}
    for c in action.conditions:
        try:
            if not c.rule.holds(names):
                denials.append(c.text)
        except MissingValue as exc:
            if not (pending and exc.name in own):
                denials.append(f"{c.text}（缺少“{_title(wf, exc.name)}”，无法判断）")
        except RuleEvalError as exc:
            denials.append(f"{c.text}（{exc}）")
    for c in action.forbid:
        try:
            if c.rule.holds(names):
                denials.append(f"负面清单{c.negative or ''}：{c.text}")
        except MissingValue as exc:
            if not (pending and exc.name in own):
                denials.append(f"{c.text}（缺少“{_title(wf, exc.name)}”，无法判断）")
        except RuleEvalError as exc:
            denials.append(f"{c.text}（{exc}）")
    return denials


def _title(wf: Workflow, name: str) -> str:
    spec = wf.field_spec(name)
    return spec.title if spec else name
