"""The runtime form of a flowchart: includes expanded, rules compiled, lookups indexed.

A `Workflow` is what the engine, the guards and the UI read. It is built once per (id, version) at
start-up and never changes afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from workflow.engine.calendar import Calendar
from workflow.engine.rules import Rule
from workflow.engine.schema import (
    AttachmentSpec,
    CatalogueFile,
    FieldSpec,
    Flowchart,
    NegativeListFile,
    QuorumsFile,
    RolesFile,
    StartSpec,
    StateSpec,
    TransitionSpec,
)

BUILTIN_RULE_NAMES = frozenset({"deadline_passed", "days_in_state"})


@dataclass(frozen=True)
class CompiledRule:
    """A condition or prohibition with the text shown when it denies."""

    rule: Rule
    text: str
    negative: Optional[str] = None


@dataclass(frozen=True)
class Action:
    """A start or a transition as the guards see it: who, what must be given, which rules apply."""

    id: str
    title: str
    kind: str
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    attachments: tuple[AttachmentSpec, ...]
    conditions: tuple[CompiledRule, ...]
    forbid: tuple[CompiledRule, ...]
    by_previous_actor: bool = False
    src: str = ""

    def field(self, name: str) -> Optional[FieldSpec]:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Support:
    """The files every flowchart leans on: roles, quorums, negative list, catalogue."""

    roles: RolesFile
    quorums: QuorumsFile
    negative: NegativeListFile
    catalogue: Optional[CatalogueFile]
    calendar: Calendar
    quorum_rules: dict[str, Rule] = field(default_factory=dict)


@dataclass(frozen=True)
class Workflow:
    """One flowchart version, expanded and compiled."""

    chart: Flowchart
    states: dict[str, StateSpec]
    start: Action
    transitions: dict[str, Action]
    support: Support
    legal_basis: tuple[str, ...] = ()
    transition_specs: tuple[TransitionSpec, ...] = ()
    """The transitions as written, includes expanded: what workflow.engine.content pins in the log."""

    @property
    def id(self) -> str:
        return self.chart.id

    @property
    def version(self) -> int:
        return self.chart.version

    @property
    def title(self) -> str:
        return self.chart.title

    @property
    def initial(self) -> str:
        return self.chart.initial

    @property
    def voice(self) -> bool:
        """A villagers' voice flowchart (诉求, 举报, 异议: code V..), not one of the power list's."""
        return self.chart.code.startswith("V")

    def finals(self) -> frozenset[str]:
        return frozenset(name for name, state in self.states.items() if state.final)

    def publicizing(self, state: str) -> bool:
        """Whether a document in `state` is a 公示 in progress: the state discloses and is not final, so
        villagers may object to what it shows (组织法 Art. 31) and it may not close over an open objection."""
        spec = self.states.get(state)
        return spec is not None and spec.disclose is not None and not spec.final

    def outgoing(self, state: str) -> list[Action]:
        return [t for t in self.transitions.values() if state in t.sources]

    def field_spec(self, name: str) -> Optional[FieldSpec]:
        for action in (self.start, *self.transitions.values()):
            spec = action.field(name)
            if spec is not None:
                return spec
        return None

    def options(self, spec: FieldSpec) -> tuple[str, ...]:
        if spec.options_list:
            return self.support.negative.lists.get(spec.options_list, ())
        return spec.options

    def rule_env(self) -> dict[str, object]:
        """Names every rule may read besides fields: the constants and the named lists."""
        env: dict[str, object] = dict(self.chart.constants)
        env.update(self.support.negative.lists)
        return env

    def describe_fields(self, action: Action) -> list[dict]:
        """Each field with its type, options and quorum rule, as a form builder or a script needs it."""
        out = []
        for f in action.fields:
            entry = {"name": f.name, "title": f.title, "type": f.type, "required": f.required}
            if f.type == "choice":
                entry["options"] = list(self.options(f))
            if f.quorum:
                q = self.support.quorums.quorums[f.quorum]
                entry["quorum"] = {"id": f.quorum, "title": q.title, "rule": q.rule, "text": q.text}
            out.append(entry)
        return out

    def describe(self) -> dict:
        """A JSON-ready description: states, transitions, roles and every field with type and options."""
        roles = self.support.roles.roles

        def action(a: Action) -> dict:
            return {
                "id": a.id, "title": a.title, "kind": a.kind, "from": list(a.sources), "to": a.to,
                "roles": [{"id": r, "title": roles[r].title, "scope": roles[r].level} for r in a.roles],
                "by_previous_actor": a.by_previous_actor,
                "fields": self.describe_fields(a),
                "attachments": [{"name": x.name, "title": x.title, "required": x.required} for x in a.attachments],
                "conditions": [{"rule": c.rule.text, "text": c.text} for c in a.conditions],
                "forbid": [{"rule": c.rule.text, "text": c.text, "negative": c.negative} for c in a.forbid],
            }

        return {
            "id": self.id, "version": self.version, "code": self.chart.code, "title": self.title,
            "items": list(self.chart.items), "board": self.chart.board,
            "legal_basis": list(self.legal_basis), "constants": dict(self.chart.constants),
            "initial": self.initial,
            "start": action(self.start),
            "states": [
                {"id": name, "title": s.title, "final": s.final,
                 "deadline": s.deadline.model_dump(exclude_none=True) if s.deadline else None,
                 "disclose": s.disclose.model_dump() if s.disclose else None}
                for name, s in self.states.items()
            ],
            "transitions": [action(t) for t in self.transitions.values()],
            "roles": sorted({r for a in (self.start, *self.transitions.values()) for r in a.roles}),
        }


def start_action(spec: StartSpec, initial: str, compile_rules) -> Action:
    return Action(
        id="start", title=spec.title, kind="forward", sources=(), to=initial, roles=spec.roles,
        fields=spec.fields, attachments=spec.attachments,
        conditions=compile_rules(spec.conditions), forbid=compile_rules(spec.forbid), src=spec.src,
    )


def transition_action(spec: TransitionSpec, compile_rules) -> Action:
    return Action(
        id=spec.id, title=spec.title, kind=spec.kind, sources=spec.source, to=spec.to, roles=spec.roles,
        fields=spec.fields, attachments=spec.attachments,
        conditions=compile_rules(spec.conditions), forbid=compile_rules(spec.forbid),
        by_previous_actor=spec.by_previous_actor, src=spec.src,
    )
