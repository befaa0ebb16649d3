"""A flowchart version as plain JSON, the form the signed log keeps, and back again.

Installing a definition version appends this content to the log (workflow.ledger.definitions) and each
document's first record names its hash, so the document is held to exactly the rules it started under.
The verifier rebuilds the Workflow from the log alone, through the same compiler `registry.load` uses,
and replays the document's path with the same guards the service ran: one copy of each rule.

The content is closed over what the flowchart reads: the chart with its includes expanded, and the roles,
the separations of duties that bind them, the meeting rules (statutory and county, with every county's
own version of them), the part of decisions.yaml its resolution's route reaches, the negative-list items
and named lists it refers to, so an edit to an unrelated role, rule or list leaves its hash alone. Nothing about the machine it was loaded on goes in (source paths and lines).
States keep their written order as a list; mappings are sorted by the canonical encoding anyway.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from pydantic import ValidationError

from workflow.engine.calendar import Calendar
from workflow.engine.decisions import BODY_FIELD
from workflow.engine.flowchart import Support, Workflow
from workflow.engine.registry import SupportFiles, build_support, compile_flowchart
from workflow.engine.schema import (
    CountyRulesFile,
    DecisionsFile,
    Flowchart,
    NegativeListFile,
    QuorumsFile,
    RolesFile,
)
from workflow.errors import DefinitionError, Problem

FORMAT = "cunwu-definition/2"
FORMAT_1 = "cunwu-definition/1"
_KEYS = {
    FORMAT: {"format", "flowchart", "roles", "separations", "quorums", "county_rules", "decisions", "negative"},
    FORMAT_1: {"format", "flowchart", "roles", "quorums", "negative"},
}
_NO_DECISIONS: dict[str, Any] = {"bodies": {}, "matters": {}, "routes": {}}
_MACHINE_LOCAL = {"src", "file"}


def content(wf: Workflow) -> dict[str, Any]:
    """The JSON that pins `wf`: everything the guards, the machine and the fields read, nothing else."""
    chart, support = wf.chart, wf.support
    actions = (wf.start, *wf.transitions.values())
    tally_fields = [f for a in actions for f in a.fields]
    decisions = _decisions(wf, support)
    separations = [r for r in support.roles.separations
                   if set(r.excluded) & {role for a in actions for role in a.roles}]
    roles = set(chart.view or ()) | {r for a in actions for r in a.roles} \
        | {r for s in wf.states.values() for r in (*(s.view or ()), *(s.step or ()))} \
        | {r for sep in separations for r in (*sep.holders, *sep.excluded)}
    meeting_ids = {f.quorum for f in tally_fields if f.quorum} \
        | {body["quorum"] for body in decisions["bodies"].values()} \
        | {b["quorum"] for m in decisions["matters"].values() for b in m["bodies"].values() if b.get("quorum")}
    quorums = meeting_ids & set(support.quorums.quorums)
    county = support.county_rules
    county_ids = meeting_ids - quorums
    negatives = {c.negative for a in actions for c in a.forbid if c.negative} \
        | {sep.negative for a in actions for sep in a.not_by} | {sep.negative for sep in separations}
    route_names = support.decisions.route_names(wf.route) if support.decisions and wf.route else frozenset()
    lists = {f.options_list for f in tally_fields if f.options_list} \
        | {name for a in actions for c in (*a.conditions, *a.forbid) for name in c.rule.names
           if name in support.negative.lists} | (route_names & set(support.negative.lists))
    flowchart = chart.model_dump(mode="json", by_alias=True, exclude={"file", "include", "states", "transitions"})
    flowchart.update(
        start=_plain(flowchart["start"]), legal_basis=list(wf.legal_basis),
        states=[{"id": name, **_plain(spec.model_dump(mode="json"))} for name, spec in wf.states.items()],
        transitions=[_plain(t.model_dump(mode="json", by_alias=True)) for t in wf.transition_specs])
    return {
        "format": FORMAT,
        "flowchart": flowchart,
        "roles": {r: support.roles.roles[r].model_dump(mode="json") for r in sorted(roles)
                  if r in support.roles.roles},
        "separations": [sep.model_dump(mode="json") for sep in separations],
        "quorums": {q: support.quorums.quorums[q].model_dump(mode="json") for q in sorted(quorums)},
        "county_rules": {
            "rules": {r: county.rules[r].model_dump(mode="json") for r in sorted(county_ids) if county and r in county.rules},
            "counties": {name: {r: o.model_dump(mode="json") for r, o in sorted(rules.items()) if r in county_ids}
                         for name, rules in sorted((county.counties if county else {}).items())
                         if set(rules) & county_ids},
        },
        "decisions": decisions,
        "negative": {
            "items": {n: support.negative.items[n].model_dump(mode="json") for n in sorted(negatives)
                      if n in support.negative.items},
            "lists": {name: list(support.negative.lists[name]) for name in sorted(lists)},
        },
    }


def _decisions(wf: Workflow, support: Support) -> dict[str, Any]:
    """The part of decisions.yaml the flowchart's route reaches: its cases, their matters, the bodies those
    matters allow and the bodies its 决定机关 field offers."""
    found: dict[str, Any] = {"bodies": {}, "matters": {}, "routes": {}}
    route = wf.route
    if route is None or support.decisions is None:
        return found
    spec = support.decisions.spec
    if route in spec.routes:
        found["routes"][route] = [case.model_dump(mode="json") for case in spec.routes[route]]
        matters = {case.matter for case in spec.routes[route]}
    else:
        matters = {route}
    found["matters"] = {m: spec.matters[m].model_dump(mode="json") for m in sorted(matters) if m in spec.matters}
    body_field = wf.field_spec(BODY_FIELD)
    offered = set(wf.options(body_field)) if body_field is not None else set()
    bodies = {b for m in matters if m in spec.matters for b in spec.matters[m].bodies} \
        | {b for b, body in spec.bodies.items() if body.title in offered}
    found["bodies"] = {b: spec.bodies[b].model_dump(mode="json") for b in sorted(bodies) if b in spec.bodies}
    return found


def rebuild(value: Mapping[str, Any], where: str, calendar: Calendar) -> Workflow:
    """The Workflow that `content` pinned; raises DefinitionError naming `where` for anything amiss.

    The holiday calendar is not part of a definition (it grows every year, and a document must not be
    stranded on an old one): the caller gives the one in force. Content of the first format (before
    deciding bodies, county rules and separations of duties were pinned) reads as having none of them."""
    if not isinstance(value, Mapping) or value.get("format") not in _KEYS or set(value) != _KEYS[value["format"]]:
        raise DefinitionError([Problem(where, 0, "schema", f"不是 {FORMAT} 格式的流程定义")])
    if value["format"] == FORMAT_1:
        value = {**value, "separations": [], "county_rules": {"rules": {}}, "decisions": _NO_DECISIONS,
                 "quorums": {q: {"basis": "", "article": "", **spec} for q, spec in dict(value["quorums"]).items()}}
    try:
        raw = dict(value["flowchart"])
        raw["states"] = {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in raw["states"]}
        chart = Flowchart.model_validate({**raw, "file": where})
        files = SupportFiles(
            roles=RolesFile.model_validate({"roles": value["roles"], "separations": value["separations"]}),
            quorums=QuorumsFile.model_validate({"quorums": value["quorums"]}),
            negative=NegativeListFile.model_validate(value["negative"]),
            county_rules=CountyRulesFile.model_validate(value["county_rules"]),
            decisions=DecisionsFile.model_validate(value["decisions"]))
    except (ValidationError, TypeError, KeyError, AttributeError) as exc:
        raise DefinitionError([Problem(where, 0, "schema", f"流程定义的内容不合格式：{_first_line(exc)}")]) from None
    problems: list[Problem] = []
    support = build_support(files, None, calendar, problems)
    if problems:
        raise DefinitionError([replace(p, file=f"{where}（{p.file}）") for p in problems])
    return compile_flowchart(chart, support)


def _plain(dumped: dict[str, Any]) -> dict[str, Any]:
    """A model's dump without the machine-local source marks, at every level where models nest."""
    return {k: [_plain(i) if isinstance(i, dict) else i for i in v] if isinstance(v, list) else v
            for k, v in dumped.items() if k not in _MACHINE_LOCAL}


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
