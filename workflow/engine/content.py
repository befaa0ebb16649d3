"""A flowchart version as plain JSON, the form the signed log keeps, and back again.

Installing a definition version appends this content to the log (workflow.ledger.definitions) and each
document's first record names its hash, so the document is held to exactly the rules it started under.
The verifier rebuilds the Workflow from the log alone, through the same compiler `registry.load` uses,
and replays the document's path with the same guards the service ran: one copy of each rule.

The content is closed over what the flowchart reads: the chart with its includes expanded, and the roles,
quorum rules, negative-list items and named lists it refers to, so an edit to an unrelated role or list
leaves its hash alone. Nothing about the machine it was loaded on goes in (source paths and lines).
States keep their written order as a list; mappings are sorted by the canonical encoding anyway.
"""
from __future__ import annotations

from typing import Any, Mapping

from pydantic import ValidationError

from workflow.engine.calendar import Calendar
from workflow.engine.flowchart import Support, Workflow
from workflow.engine.registry import compile_flowchart
from workflow.engine.rules import RuleSyntaxError, parse
from workflow.engine.schema import Flowchart, NegativeListFile, QuorumsFile, RolesFile
from workflow.errors import DefinitionError, Problem

FORMAT = "cunwu-definition/1"
_MACHINE_LOCAL = {"src", "file"}


def content(wf: Workflow) -> dict[str, Any]:
    """The JSON that pins `wf`: everything the guards, the machine and the fields read, nothing else."""
    chart, support = wf.chart, wf.support
    actions = (wf.start, *wf.transitions.values())
    roles = set(chart.view or ()) | {r for a in actions for r in a.roles} \
        | {r for s in wf.states.values() for r in (*(s.view or ()), *(s.step or ()))}
    quorums = {f.quorum for a in actions for f in a.fields if f.quorum}
    negatives = {c.negative for a in actions for c in a.forbid if c.negative}
    lists = {f.options_list for a in actions for f in a.fields if f.options_list} \
        | {name for a in actions for c in (*a.conditions, *a.forbid) for name in c.rule.names
           if name in support.negative.lists}
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
        "quorums": {q: support.quorums.quorums[q].model_dump(mode="json") for q in sorted(quorums)},
        "negative": {
            "items": {n: support.negative.items[n].model_dump(mode="json") for n in sorted(negatives)
                      if n in support.negative.items},
            "lists": {name: list(support.negative.lists[name]) for name in sorted(lists)},
        },
    }


def rebuild(value: Mapping[str, Any], where: str, calendar: Calendar) -> Workflow:
    """The Workflow that `content` pinned; raises DefinitionError naming `where` for anything amiss.

    The holiday calendar is not part of a definition (it grows every year, and a document must not be
    stranded on an old one): the caller gives the one in force."""
    problems: list[Problem] = []
    if not isinstance(value, Mapping) or value.get("format") != FORMAT \
            or set(value) != {"format", "flowchart", "roles", "quorums", "negative"}:
        raise DefinitionError([Problem(where, 0, "schema", f"不是 {FORMAT} 格式的流程定义")])
    try:
        raw = dict(value["flowchart"])
        raw["states"] = {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in raw["states"]}
        chart = Flowchart.model_validate({**raw, "file": where})
        roles = RolesFile.model_validate({"roles": value["roles"]})
        quorums = QuorumsFile.model_validate({"quorums": value["quorums"]})
        negative = NegativeListFile.model_validate(value["negative"])
    except (ValidationError, TypeError, KeyError, AttributeError) as exc:
        raise DefinitionError([Problem(where, 0, "schema", f"流程定义的内容不合格式：{_first_line(exc)}")]) from None
    quorum_rules = {}
    for qid, quorum in quorums.quorums.items():
        try:
            quorum_rules[qid] = parse(quorum.rule)
        except RuleSyntaxError as exc:
            problems.append(Problem(where, 0, "bad-rule", f"法定规则 {qid}：{exc}"))
    if problems:
        raise DefinitionError(problems)
    support = Support(roles=roles, quorums=quorums, negative=negative, catalogue=None, quorum_rules=quorum_rules,
                      calendar=calendar)
    return compile_flowchart(chart, support)


def _plain(dumped: dict[str, Any]) -> dict[str, Any]:
    """A model's dump without the machine-local source marks, at every level where models nest."""
    return {k: [_plain(i) if isinstance(i, dict) else i for i in v] if isinstance(v, list) else v
            for k, v in dumped.items() if k not in _MACHINE_LOCAL}


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
