"""Loading the definitions directory: parse, expand includes, validate, compile, all or nothing.

Start-up and `cunwu definitions check` call the same `load`, so a set that the checker passes is exactly
the set that runs, and a set with any problem is never half-loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import BaseModel, ValidationError

import definitions as _definitions_package
from workflow.engine import calendar as calendar_mod
from workflow.engine import decisions as decisions_mod
from workflow.engine import yamlsource
from workflow.engine.checks import check_catalogue, check_rules, check_support, check_workflow, located
from workflow.engine.flowchart import CompiledRule, Support, Workflow, start_action, transition_action
from workflow.engine.machine import Engine
from workflow.engine.rules import Rule, RuleSyntaxError, parse
from workflow.engine.schema import (
    CalendarFile,
    CatalogueFile,
    CountyRulesFile,
    DecisionsFile,
    Flowchart,
    NegativeListFile,
    Procedure,
    QuorumsFile,
    RolesFile,
)
from workflow.engine.yamlsource import LDict, LList
from workflow.errors import DefinitionError, NotFound, Problem


def default_dir() -> Path:
    """The definitions shipped with cunwu (settings.definitions names others)."""
    return shipped_dir()


def shipped_dir() -> Path:
    return Path(_definitions_package.__file__).parent


@dataclass
class Registry:
    """Every loaded workflow version, its machines, and the support files; immutable after load."""

    support: Support
    workflows: dict[tuple[str, int], Workflow]
    engine: Engine
    source_dir: Path
    latest: dict[str, Workflow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for wf in sorted(self.workflows.values(), key=lambda w: w.version):
            self.latest[wf.id] = wf

    def get(self, workflow_id: str, version: Optional[int] = None) -> Workflow:
        wf = self.latest.get(workflow_id) if version is None else self.workflows.get((workflow_id, version))
        if wf is None:
            known = "、".join(sorted(self.latest)[:5])
            raise NotFound(f"未知流程 '{workflow_id}'" + (f" 版本 {version}" if version else "")
                           + f"（可用：{known} 等，见 cunwu definitions list）")
        return wf

    def find(self, key: str) -> Workflow:
        """Look a flowchart up by id or by its code (F01 ... F32)."""
        for wf in self.latest.values():
            if wf.chart.code.upper() == key.upper():
                return wf
        return self.get(key)

    def charts(self) -> list[Workflow]:
        return sorted(self.latest.values(), key=lambda w: w.chart.code)

    def power_charts(self) -> list[Workflow]:
        """The power list's flowcharts (F01..), without the villagers' voice (V01..)."""
        return [wf for wf in self.charts() if not wf.voice]

    def voice_charts(self) -> list[Workflow]:
        return [wf for wf in self.charts() if wf.voice]


def load(paths: Iterable[Path] = ()) -> Registry:
    """Load and check a definitions set; raise DefinitionError listing every problem, or return it all."""
    paths = [Path(p) for p in paths] or [default_dir()]
    problems: list[Problem] = []
    base = paths[0] if paths[0].is_dir() else paths[0].parent
    if not (base / "roles.yaml").exists():
        base = default_dir()
    flowchart_files: list[Path] = []
    full_set = False
    for p in paths:
        if p.is_dir():
            flowchart_files += sorted(p.glob("f[0-9][0-9]*.yaml")) + sorted(p.glob("v[0-9][0-9]*.yaml"))
            flowchart_files += sorted(p.glob("retired/[fv][0-9][0-9]*.yaml"))
            full_set = True
        elif p.exists():
            flowchart_files.append(p)
        else:
            problems.append(Problem(str(p), 0, "missing-file", "文件不存在"))

    roles, _ = _parse(base / "roles.yaml", RolesFile, problems)
    quorums, quorums_raw = _parse(base / "quorums.yaml", QuorumsFile, problems)
    negative, _ = _parse(base / "negative_list.yaml", NegativeListFile, problems)
    catalogue, catalogue_raw = _parse(base / "catalogue.yaml", CatalogueFile, problems) if full_set else (None, None)
    procedures_raw: dict[tuple[Any, Any], tuple[Path, LDict]] = {}
    for pfile in sorted((base / "procedures").glob("*.yaml")):
        raw = yamlsource.load(pfile, problems)
        if isinstance(raw, LDict):
            _mark_sources(raw, str(pfile))
            key = (raw.get("procedure"), raw.get("version", 1))
            if key in procedures_raw:
                problems.append(Problem(str(pfile), raw.line, "duplicate-id",
                                        f"程序 '{key[0]}' 版本 {key[1]} 与 {procedures_raw[key][0]} 重复"))
            procedures_raw[key] = (pfile, raw)
        elif raw is not None:
            problems.append(Problem(str(pfile), 1, "schema", "程序文件须为映射"))
    calendar = _calendar(base, problems)
    county_rules, county_raw = _parse(_own_or_shipped(base, "county_rules.yaml"), CountyRulesFile, problems)
    decisions_spec, decisions_raw = _parse(_own_or_shipped(base, "decisions.yaml"), DecisionsFile, problems)
    if (roles is None or quorums is None or negative is None or calendar is None or county_rules is None
            or decisions_spec is None):
        raise DefinitionError(problems)

    support = build_support(
        SupportFiles(roles=roles, quorums=quorums, negative=negative, county_rules=county_rules,
                     decisions=decisions_spec),
        catalogue, calendar, problems,
        where={"quorums.yaml": (str(base / "quorums.yaml"), quorums_raw),
               "county_rules.yaml": (str(_own_or_shipped(base, "county_rules.yaml")), county_raw),
               "decisions.yaml": (str(_own_or_shipped(base, "decisions.yaml")), decisions_raw)})
    problems += check_support(support, base)

    charts: list[Flowchart] = []
    unparsed = False
    for f in flowchart_files:
        raw = yamlsource.load(f, problems)
        if not isinstance(raw, LDict):
            if raw is not None:
                problems.append(Problem(str(f), 1, "schema", "流程文件须为映射"))
            unparsed = True
            continue
        _mark_sources(raw, str(f))
        chart = _validate(raw, Flowchart, str(f), problems, file=str(f))
        if chart is None:
            unparsed = True
        else:
            charts.append(chart)

    workflows: dict[tuple[str, int], Workflow] = {}
    for chart in charts:
        key = (chart.id, chart.version)
        if key in workflows:
            other = workflows[key].chart.file
            problems.append(Problem(chart.file, 1, "duplicate-id",
                                    f"流程 id '{chart.id}' 版本 {chart.version} 与 {other} 重复"))
            continue
        wf = _expand(chart, procedures_raw, support, problems)
        if wf is None:
            unparsed = True
        else:
            problems += check_workflow(wf)
            workflows[key] = wf
    if catalogue is not None and not unparsed:
        items_raw = catalogue_raw.get("items") if isinstance(catalogue_raw, LDict) else None
        lines = {k: items_raw.line_of(k) for k in items_raw} if isinstance(items_raw, LDict) else {}
        problems += check_catalogue(catalogue, workflows, str(base / "catalogue.yaml"), lines)
    if problems:
        raise DefinitionError(problems)
    return Registry(support=support, workflows=workflows, engine=Engine(workflows.values()), source_dir=base)


@dataclass(frozen=True)
class SupportFiles:
    """The support files as validated models: what `build_support` compiles, whether they were read from a
    definitions directory or from a definition's content in the signed log."""

    roles: RolesFile
    quorums: QuorumsFile
    negative: NegativeListFile
    county_rules: CountyRulesFile
    decisions: DecisionsFile


def build_support(files: SupportFiles, catalogue: Optional[CatalogueFile], calendar: calendar_mod.Calendar,
                  problems: list[Problem], where: Optional[dict[str, tuple[str, Any]]] = None) -> Support:
    """Meeting rules (statutory and county) and decision routes compiled, and the rules between the files
    checked; problems are appended. `where` maps a file's name to its path and parsed YAML, for lines; a
    definition read back from the log has neither, and its problems name the file alone."""
    where = where or {}

    def located_in(name: str) -> tuple[str, Any]:
        return where.get(name, (name, None))

    quorums_path, quorums_raw = located_in("quorums.yaml")
    quorum_rules = {}
    for qid, q in files.quorums.quorums.items():
        try:
            quorum_rules[qid] = parse(q.rule)
        except RuleSyntaxError as exc:
            line = yamlsource.line_at(quorums_raw, ("quorums", qid, "rule"))
            problems.append(Problem(quorums_path, line, "bad-rule", f"法定规则 {qid}：{exc}"))
    county_path, county_raw = located_in("county_rules.yaml")
    decisions_path, decisions_raw = located_in("decisions.yaml")
    county_compiled = _county_rules(files.county_rules, county_raw, county_path, problems)
    quorum_rules.update({rid: rule for (county, rid), rule in county_compiled.items() if not county})
    meetings = decisions_mod.county(files.county_rules, county_compiled)
    meetings[""].update(decisions_mod.statutory(files.quorums, quorum_rules))
    decisions = _decisions(files.decisions, decisions_raw, decisions_path, problems)
    support = Support(roles=files.roles, quorums=files.quorums, negative=files.negative, catalogue=catalogue,
                      quorum_rules=quorum_rules, calendar=calendar, meetings=meetings, decisions=decisions,
                      county_rules=files.county_rules)
    problems += check_rules(support, county_path, decisions_path)
    return support


def _own_or_shipped(base: Path, name: str) -> Path:
    """A support file of the definitions set, or the shipped one if the set has none."""
    path = base / name
    return path if path.exists() else shipped_dir() / name


def _county_rules(spec: CountyRulesFile, raw: Any, path: str, problems: list[Problem]) -> dict[tuple[str, str], Rule]:
    """Every county rule compiled, keyed by (county, rule id); the defaults under county ''."""
    compiled = {}
    texts = [(("", rid), r.rule, ("rules", rid, "rule")) for rid, r in spec.rules.items()]
    texts += [((county, rid), o.rule, ("counties", county, rid, "rule"))
              for county, overrides in spec.counties.items() for rid, o in overrides.items()]
    for key, text, loc in texts:
        try:
            compiled[key] = parse(text)
        except RuleSyntaxError as exc:
            problems.append(Problem(str(path), yamlsource.line_at(raw, loc), "bad-rule", f"县规则 {key[1]}：{exc}"))
    return compiled


def _decisions(spec: DecisionsFile, raw: Any, path: str, problems: list[Problem]) -> decisions_mod.Decisions:
    routes = {}
    for rid, cases in spec.routes.items():
        compiled = []
        for i, case in enumerate(cases):
            try:
                compiled.append((parse(case.when), case.matter))
            except RuleSyntaxError as exc:
                problems.append(Problem(str(path), yamlsource.line_at(raw, ("routes", rid, i, "when")), "bad-rule",
                                        f"决策路由 {rid}：{exc}"))
        routes[rid] = tuple(compiled)
    return decisions_mod.Decisions(spec=spec, routes=routes)


def shipped_calendar() -> calendar_mod.Calendar:
    """The holiday calendar shipped with cunwu, for readers that have no definitions directory (a bag)."""
    problems: list[Problem] = []
    calendar = _calendar(shipped_dir(), problems)
    if calendar is None or problems:
        raise DefinitionError(problems)
    return calendar


def _calendar(base: Path, problems: list[Problem]) -> Optional[calendar_mod.Calendar]:
    """The definitions' own calendar.yaml, or the shipped one: the State Council's schedule is national."""
    spec, raw = _parse(path := _own_or_shipped(base, "calendar.yaml"), CalendarFile, problems)
    if spec is None:
        return None
    calendar, found = calendar_mod.build(spec, raw, str(path))
    problems += found
    return calendar


def _parse(path: Path, model: type[BaseModel], problems: list[Problem]) -> tuple[Any, Any]:
    if not path.exists():
        problems.append(Problem(str(path), 0, "missing-file", "缺少必需的定义文件"))
        return None, None
    raw = yamlsource.load(path, problems)
    return (None if raw is None else _validate(raw, model, str(path), problems)), raw


_SCHEMA_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的键",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "string_type": "须为文本",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "dict_type": "须为映射",
    "tuple_type": "须为列表",
    "greater_than_equal": "数值过小",
    "string_pattern_mismatch": "格式不符",
}


def _validate(raw: Any, model: type[BaseModel], name: str, problems: list[Problem], **extra: str) -> Any:
    try:
        return model.model_validate({**raw, **extra} if isinstance(raw, dict) else raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(文件)"
            text = _SCHEMA_MESSAGES.get(err["type"], err["msg"])
            problems.append(Problem(name, yamlsource.line_at(raw, loc), "schema", f"{where}：{text}"))
        return None


def _mark_sources(raw: LDict, name: str) -> None:
    """Remember each state's, transition's and include's position so later checks can point at it."""
    states = raw.get("states")
    if isinstance(states, LDict):
        for key, value in states.items():
            if isinstance(value, LDict):
                value["src"] = f"{name}:{states.line_of(key)}"
    for section in ("transitions", "include"):
        items = raw.get(section)
        if isinstance(items, LList):
            for i, value in enumerate(items):
                if isinstance(value, LDict):
                    value["src"] = f"{name}:{items.line_of(i)}"
    if isinstance(raw.get("start"), LDict):
        raw["start"]["src"] = f"{name}:{raw.line_of('start')}"


def _substitute(node: Any, params: dict[str, Any], unknown: set[str]) -> Any:
    """Copy a located tree, replacing `$param` strings by the include's values."""
    if isinstance(node, LDict):
        out = LDict((k, _substitute(v, params, unknown)) for k, v in node.items())
        out.line, out.key_lines = node.line, node.key_lines
        return out
    if isinstance(node, LList):
        out = LList(_substitute(v, params, unknown) for v in node)
        out.line, out.item_lines = node.line, node.item_lines
        return out
    if isinstance(node, str) and "$" in node:
        if node.startswith("$") and node[1:] in params:
            return params[node[1:]]
        result = node
        for word in [w for w in _dollar_words(node)]:
            if word in params:
                result = result.replace("$" + word, str(params[word]))
            else:
                unknown.add(word)
        return result
    return node


def _dollar_words(text: str) -> list[str]:
    words, i = [], text.find("$")
    while i != -1:
        j = i + 1
        while j < len(text) and (text[j].isalnum() or text[j] == "_") and text[j].isascii():
            j += 1
        words.append(text[i + 1:j])
        i = text.find("$", j)
    return words


def _expand(chart: Flowchart, procedures_raw: dict, support: Support,
            problems: list[Problem]) -> Optional[Workflow]:
    states = dict(chart.states)
    transitions = list(chart.transitions)
    legal_basis = list(chart.legal_basis)
    for inc in chart.include:
        file, line = located(inc.src)
        versions = sorted(v for (name, v) in procedures_raw if name == inc.procedure and isinstance(v, int))
        version = inc.version if inc.version is not None else (versions[-1] if versions else None)
        if (inc.procedure, version) not in procedures_raw:
            problems.append(Problem(file, line, "unknown-procedure", f"未知的程序 '{inc.procedure}'"
                                    + (f" 版本 {inc.version}" if inc.version is not None else "")))
            return None
        pfile, raw = procedures_raw[(inc.procedure, version)]
        defaults = raw.get("params") if isinstance(raw.get("params"), dict) else {}
        extra = set(inc.params) - set(defaults)
        if extra:
            problems.append(Problem(file, line, "unknown-param",
                                    f"程序 '{inc.procedure}' 没有参数：{'、'.join(sorted(extra))}"))
        unknown: set[str] = set()
        expanded = _substitute(raw, {**defaults, **inc.params}, unknown)
        if unknown:
            problems.append(Problem(str(pfile), raw.line, "unknown-param",
                                    f"引用了未声明的参数：{'、'.join(sorted(unknown))}"))
        proc = _validate(expanded, Procedure, str(pfile), problems, file=str(pfile))
        if proc is None:
            return None
        missing = set(proc.exits) - set(inc.exits)
        if missing:
            problems.append(Problem(file, line, "unknown-exit",
                                    f"未给出程序出口 {'、'.join(sorted(missing))} 对应的状态"))
        for name in set(inc.exits) - set(proc.exits):
            problems.append(Problem(file, line, "unknown-exit", f"程序 '{proc.procedure}' 没有出口 '{name}'"))

        def rename(state: str) -> str:  # used only within this iteration, so binding `inc` late is safe
            if state.startswith("@"):
                return inc.exits.get(state[1:], state)  # noqa: B023
            return f"{inc.prefix}_{state}" if inc.prefix else state  # noqa: B023

        for name, spec in proc.states.items():
            new = rename(name)
            if new in states:
                problems.append(Problem(*located(spec.src), "duplicate-id",
                                        f"引入程序后状态 '{new}' 与流程自身的状态重复"))
            states[new] = spec
        own = {t.id for t in proc.transitions}
        for t in proc.transitions:
            new_id = f"{inc.prefix}_{t.id}" if inc.prefix else t.id
            not_by = tuple(sep.model_copy(update={"steps": tuple(
                f"{inc.prefix}_{x}" if inc.prefix and x in own else x for x in sep.steps)}) for sep in t.not_by)
            transitions.append(t.model_copy(update={
                "id": new_id, "source": tuple(rename(s) for s in t.source), "to": rename(t.to), "not_by": not_by}))
        legal_basis += [b for b in proc.legal_basis if b not in legal_basis]

    def compile_rules(items, src: str) -> tuple[CompiledRule, ...]:
        out = []
        for c in items:
            try:
                rule = parse(c.rule)
            except RuleSyntaxError as exc:
                problems.append(Problem(*located(src), "bad-rule", str(exc)))
                continue
            text = c.text
            negative = getattr(c, "negative", None)
            if text is None and negative in support.negative.items:
                text = support.negative.items[negative].title
            out.append(CompiledRule(rule=rule, text=text or c.rule, negative=negative))
        return tuple(out)

    start = start_action(chart.start, chart.initial, lambda items: compile_rules(items, chart.start.src))
    actions = {}
    seen: dict[str, str] = {}
    for t in transitions:
        if t.id in seen:
            problems.append(Problem(*located(t.src), "duplicate-id",
                                    f"转换 id '{t.id}' 重复（{seen[t.id]} 已定义）"))
            return None
        seen[t.id] = t.src
        actions[t.id] = transition_action(t, lambda items, src=t.src: compile_rules(items, src))
    return Workflow(chart=chart, states=states, start=start, transitions=actions, support=support,
                    legal_basis=tuple(legal_basis), transition_specs=tuple(transitions))


def compile_flowchart(chart: Flowchart, support: Support) -> Workflow:
    """One flowchart without includes, compiled and checked as `load` does; raises DefinitionError.

    For a definition read back from the signed log (workflow.engine.content), which must run through
    exactly the code that loaded it in the first place."""
    problems: list[Problem] = []
    if chart.include:
        problems.append(Problem(chart.file, 1, "schema", "记入日志的流程不应再引用程序（include）"))
        raise DefinitionError(problems)
    wf = _expand(chart, {}, support, problems)
    if wf is not None:
        problems += check_workflow(wf)
    if problems or wf is None:
        raise DefinitionError(problems)
    return wf
