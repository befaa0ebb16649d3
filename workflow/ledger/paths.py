"""Each document's path replayed through the definition it pinned, with the service's own rules.

The verifier holds every step to the flowchart version its document's first record names, read from the
log's definition entries (workflow.ledger.definitions) and compiled by the registry's compiler: the
transition must leave the state the document was in (the state machine's own table), the signer must
have acted in a role the transition and the state allow (workflow.engine.guards.who), and the form must
pass what the service checked when it was signed (guards.what: required fields and attachments, meeting
rules on tallies, the deciding body the matter allows with its authorisation and its rule, county rules
in the document's own county, conditions, prohibitions, periods). Whoever took earlier steps of the
document may not take one their `not_by` forbids them (separation of duties, judged on the signers).
Field values must be what the field's parser makes of them. No rule is written twice: these are the
functions the service ran.

Roles one person may not hold together (roles.yaml `separations`, 组织法 Art. 32) are judged on the
directory, which the log does not hold: the verifier takes each signer to hold the role they signed in,
so it checks that role against the flowchart but cannot see a forbidden second role (`cunwu user check`
reports those in the directory).

Periods are judged by the times the signers signed: a step's `at` is when the server's clock said it was
taken, and a document's times may not run backwards, or its periods would mean nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

from workflow.engine import deadlines, guards
from workflow.engine import fields as fieldtypes
from workflow.engine.calendar import Calendar, CalendarError
from workflow.engine.registry import Registry, shipped_calendar
from workflow.errors import DefinitionError
from workflow.ledger import records
from workflow.ledger.definitions import Pinned, compile_record
from workflow.messages import Code, Message

Problem = tuple[str, Message]

DEFINITION_MISSING = Code("verify.definition-missing", "文书所依据的流程定义（哈希 %(sha)s…）在此之前没有记入日志")
DEFINITION_INVALID = Code("verify.definition-invalid", "日志第 %(index)s 条的流程定义无法编译：%(error)s")
BY_LOGGED = Code("verify.unpinned-logged", "早于流程定义记入日志，按第 %(index)s 条记入的版本核验")
BY_LOCAL = Code("verify.unpinned-local", "早于流程定义记入日志，按本机的流程定义核验")
UNCHECKED = Code("verify.unpinned-unchecked", "早于流程定义记入日志，日志与本机都没有该流程定义，未核验其流程规则")
TIME_REVERSED = Code("verify.time-reversed", "签署时间 %(at)s 早于本文书上一步，期限无从判断")
UNKNOWN_TRANSITION = Code("verify.unknown-transition", "流程 %(workflow)s 第 %(version)s 版在此处没有操作 %(transition)s")
ILLEGAL_TRANSITION = Code("verify.illegal-transition", "“%(action)s”不能从 %(source)s 到 %(target)s")
START = Code("verify.start", "（开始）")
ROLE_NOT_ALLOWED = Code("verify.role-not-allowed", "角色 %(role)s 不能办理“%(action)s”：%(reason)s")
ROLE_NOT_HELD = Code("verify.role-not-held", "记录写明的角色 %(role)s 不是办理人当时担任的角色")
RULE_REFUSED = Code("verify.rule-refused", "“%(action)s”不符合流程规则：%(reason)s")
UNKNOWN_FIELD = Code("verify.unknown-field", "“%(action)s”没有字段 %(field)s")
FIELD_PLACE = Code("verify.field-place", "字段“%(field)s”记错了位置：表决记入 tallies，其余字段记入 fields")
FIELD_INVALID = Code("verify.field-invalid", "字段值不合其类型：%(error)s")
FIELD_NOT_CANONICAL = Code("verify.field-not-canonical", "字段“%(field)s”的值不是其规范写法")


@dataclass
class _Logged:
    index: int
    record: records.DefinitionRecord
    pinned: Optional[Pinned] = None
    broken: Optional[str] = None


class Definitions:
    """The definition versions installed in the log so far, compiled when a document first needs one."""

    def __init__(self, fallback: Optional[Registry] = None) -> None:
        self.logged: dict[str, _Logged] = {}
        self.first: dict[tuple[str, int], str] = {}
        self.fallback = fallback
        self.calendar = fallback.support.calendar if fallback is not None else shipped_calendar()
        """Periods are counted with this verifier's holiday calendar (the log does not hold it yet)."""

    def add(self, index: int, record: records.DefinitionRecord) -> None:
        self.logged.setdefault(record.sha256, _Logged(index, record))
        self.first.setdefault((record.definition_id, record.version), record.sha256)

    def pinned(self, sha256: str) -> tuple[Optional[Pinned], Optional[Problem]]:
        """The compiled definition with this hash, or why a document pinned to it cannot be checked."""
        logged = self.logged.get(sha256)
        if logged is None:
            return None, ("definition-missing", DEFINITION_MISSING(sha=sha256[:12]))
        if logged.pinned is None and logged.broken is None:
            try:
                logged.pinned = compile_record(logged.record, f"日志第 {logged.index} 条", self.calendar)
            except DefinitionError as exc:
                logged.broken = "；".join(p.message for p in exc.problems) or str(exc)
        if logged.pinned is None:
            return None, ("definition-invalid", DEFINITION_INVALID(index=logged.index, error=logged.broken))
        return logged.pinned, None

    def unpinned(self, label: tuple[str, int]) -> tuple[Optional[Pinned], Message]:
        """For a document whose first record predates pinning: the first version of its label installed
        in the log, else the definitions this verifier loaded; and a note saying which."""
        if label in self.first:
            pinned, _ = self.pinned(self.first[label])
            if pinned is not None:
                return pinned, BY_LOGGED(index=self.logged[self.first[label]].index)
        if self.fallback is not None and label in self.fallback.workflows:
            return Pinned("", self.fallback.workflows[label], self.fallback.engine), BY_LOCAL()
        return None, UNCHECKED()


@dataclass
class Path:
    """Where a document stands in its replay: its rules, its fields so far, when it entered its state."""

    pinned: Optional[Pinned]
    data: dict[str, Any] = field(default_factory=dict)
    entered: Optional[datetime] = None
    previous_actor: Optional[int] = None
    actors: dict[str, frozenset[int]] = field(default_factory=dict)
    """Who took each transition so far, for separation of duties (`not_by`) and the `taken` rule name."""


def signed_time(at: str) -> datetime:
    return datetime.fromisoformat(at[:-1]).replace(tzinfo=timezone.utc)


def check_step(path: Path, *, seq: int, transition: str, from_state: Optional[str], to_state: str, role: str,
               at: str, values: dict[str, Any], tallies: frozenset[str], slots: frozenset[str], place: str,
               actor: guards.Actor, place_ids: frozenset[int]) -> list[Problem]:
    """Every rule of the pinned definition this step breaks; then the path moves on as the service's did."""
    now = signed_time(at)
    problems: list[Problem] = []
    if path.entered is not None and now < path.entered:
        problems.append(("time-reversed", TIME_REVERSED(at=at)))
    if path.pinned is not None:
        problems += _rules(path, path.pinned, seq, transition, from_state, to_state, role, now, values, tallies,
                           slots, place, actor, place_ids)
    path.data.update(values)
    path.entered = max(now, path.entered) if path.entered is not None else now
    path.previous_actor = actor.user_id
    path.actors[transition] = path.actors.get(transition, frozenset()) | {actor.user_id}
    return problems


def _rules(path: Path, pinned: Pinned, seq: int, transition: str, from_state: Optional[str], to_state: str,
           role: str, now: datetime, values: dict[str, Any], tallies: frozenset[str], slots: frozenset[str],
           place: str, actor: guards.Actor, place_ids: frozenset[int]) -> list[Problem]:
    wf = pinned.workflow
    action = wf.start if seq == 0 else wf.transitions.get(transition)
    if action is None or action.id != transition:
        return [("unknown-transition", UNKNOWN_TRANSITION(workflow=wf.id, version=wf.version, transition=transition))]
    if seq == 0:
        legal = to_state == wf.initial
    else:
        legal = from_state is not None and pinned.engine.allows(wf.id, wf.version, from_state, transition) \
            and to_state == action.to
    if not legal:
        return [("illegal-transition", ILLEGAL_TRANSITION(action=action.title, source=from_state or START(),
                                                           target=to_state))]
    problems = _values(wf, action, values, tallies)
    where = guards.Situation(
        state=from_state, place_ids=place_ids, place_names=tuple(reversed(place.split("/"))), data=path.data,
        now=now, state_entered_at=path.entered, previous_actor_id=path.previous_actor, actors=dict(path.actors),
        due_at=None if from_state is None else _due(path.entered or now, wf.states[from_state].deadline,
                                                    pinned.workflow.support.calendar))
    denied = guards.who(wf, action, actor, where)
    problems += [("role-not-allowed", ROLE_NOT_ALLOWED(role=role, action=action.title, reason=d)) for d in denied]
    if not denied and role not in actor.roles_at(set(place_ids)):
        problems.append(("role-not-held", ROLE_NOT_HELD(role=role)))
    problems += [("rule-refused", RULE_REFUSED(action=action.title, reason=d))
                 for d in guards.what(wf, action, where, values, set(slots))]
    return problems


def _due(entered: datetime, deadline: Any, calendar: Calendar) -> Optional[datetime]:
    """When the state's period ends, as the service counted it; a period the calendar cannot reach was
    refused by the service, so the step before it is judged without one."""
    try:
        return deadlines.due(entered, deadline, calendar)
    except CalendarError:
        return None


def _values(wf: Any, action: Any, values: dict[str, Any], tallies: frozenset[str]) -> list[Problem]:
    """Each value must be a field of the action, recorded as its parser records it, tallies as tallies."""
    problems = []
    for name, value in values.items():
        spec = action.field(name)
        if spec is None:
            problems.append(("unknown-field", UNKNOWN_FIELD(action=action.title, field=name)))
            continue
        if (spec.type == "tally") != (name in tallies):
            problems.append(("bad-field", FIELD_PLACE(field=spec.title)))
            continue
        try:
            parsed = fieldtypes.parse(spec, value, wf.options(spec))
        except fieldtypes.FieldValueError as exc:
            problems.append(("bad-field", FIELD_INVALID(error=str(exc))))
            continue
        if parsed != value:
            problems.append(("bad-field", FIELD_NOT_CANONICAL(field=spec.title)))
    return problems


@dataclass(frozen=True)
class SignedRole:
    """The signer as their record describes them, for logs whose directory is not (yet) in the log: the
    role they signed with is taken as held, so the definition's role rules are checked, not the grant."""

    user_id: int
    role: str

    def roles_at(self, place_ids: set[int]) -> list[str]:
        return [self.role]
