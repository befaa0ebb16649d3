"""Who may take a transition, and with what: every denial is returned with its reason.

Two halves, because the UI needs them apart: `who` (role held in the document's village, township or
county, the state's permission map, withdraw-by-previous-actor) decides whether a person sees the action
at all; `what` (fields, attachments, quorum rules, conditions, the negative list) decides whether the
form they filled in is acceptable. Each denial is a coded Message (codes `guard.*`), so tests assert
the code and the web shows the sentence in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping, Optional, Protocol

from workflow.engine.flowchart import Action, Workflow
from workflow.engine.rules import MissingValue, RuleEvalError
from workflow.messages import Code, Message

STATE_ROLES = Code("guard.state-roles", "“%(state)s”状态下仅%(roles)s可以办理")
ROLE_REQUIRED = Code("guard.role-required", "需要在%(places)s担任以下角色之一：%(roles)s")
PREVIOUS_ACTOR_ONLY = Code("guard.previous-actor-only", "只有办理上一步的人可以撤回")
FIELD_REQUIRED = Code("guard.field-required", "缺少必填项“%(field)s”")
QUORUM_NOT_MET = Code("guard.quorum-not-met", "%(field)s不符合法定要求：%(rule)s")
ATTACHMENT_REQUIRED = Code("guard.attachment-required", "缺少附件“%(attachment)s”")
CONDITION_UNMET = Code("guard.condition-unmet", "%(rule)s")
NEGATIVE_LIST = Code("guard.negative-list", "负面清单%(item)s：%(rule)s")
RULE_MISSING_VALUE = Code("guard.rule-missing-value", "%(rule)s（缺少“%(field)s”，无法判断）")
RULE_ERROR = Code("guard.rule-error", "%(rule)s（%(error)s）")


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


def who(wf: Workflow, action: Action, person: Actor, where: Situation) -> list[Message]:
    roles = wf.support.roles.roles
    denials = []
    if acting_role(wf, action, person, where) is None:
        names = "、".join(roles[r].title for r in action.roles)
        state = wf.states.get(where.state) if where.state else None
        if state is not None and state.step and set(action.roles) & set(person.roles_at(set(where.place_ids))):
            denials.append(STATE_ROLES(state=state.title, roles="、".join(roles[r].title for r in state.step)))
        else:
            denials.append(ROLE_REQUIRED(places="/".join(where.place_names), roles=names))
    if action.by_previous_actor and where.previous_actor_id != person.user_id:
        denials.append(PREVIOUS_ACTOR_ONLY())
    return denials


def recused(wf: Workflow, username: str, data: Mapping[str, Any]) -> bool:
    """Whether the document is about this person (a field the flowchart's `recuse` names holds their
    username), so that they may neither see nor handle it whatever roles they hold."""
    return any(data.get(name) == username for name in wf.chart.recuse)


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
         attachments: set[str], pending: bool = False) -> list[Message]:
    """Denials for the given form. With `pending`, fields not yet filled in are not held against it."""
    denials = []
    for spec in action.fields:
        if spec.name not in values:
            if spec.required and not pending:
                denials.append(FIELD_REQUIRED(field=spec.title))
            continue
        if spec.type == "tally" and spec.quorum:
            quorum = wf.support.quorums.quorums[spec.quorum]
            if not wf.support.quorum_rules[spec.quorum].holds(values[spec.name]):
                denials.append(QUORUM_NOT_MET(field=spec.title, rule=quorum.text))
    if not pending:
        for a in action.attachments:
            if a.required and a.name not in attachments:
                denials.append(ATTACHMENT_REQUIRED(attachment=a.title))
    if not (action.conditions or action.forbid):
        return denials
    names = env(wf, where, values)
    own = {f.name for f in action.fields}
    for c in action.conditions:
        denial = _judge(wf, c.rule, names, c.text, own, pending, expect=True)
        if denial is not None:
            denials.append(denial)
    for c in action.forbid:
        denial = _judge(wf, c.rule, names, c.text, own, pending, expect=False, negative=c.negative or "")
        if denial is not None:
            denials.append(denial)
    return denials


def _judge(wf: Workflow, rule: Any, names: Mapping[str, Any], text: str, own: set[str], pending: bool,
           expect: bool, negative: str = "") -> Optional[Message]:
    """The denial for one condition (which must hold) or negative-list rule (which must not), if any."""
    try:
        if rule.holds(names) != expect:
            return CONDITION_UNMET(rule=text) if expect else NEGATIVE_LIST(item=negative, rule=text)
    except MissingValue as exc:
        if not (pending and exc.name in own):
            return RULE_MISSING_VALUE(rule=text, field=_title(wf, exc.name))
    except RuleEvalError as exc:
        return RULE_ERROR(rule=text, error=str(exc))
    return None


def _title(wf: Workflow, name: str) -> str:
    spec = wf.field_spec(name)
    return spec.title if spec else name
