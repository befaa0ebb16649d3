"""What a schema cannot check: the graph, the names, the rules and the catalogue's coverage.

Each check returns located `Problem`s with a stable rule code, so a county administrator editing a
flowchart is told which line breaks which rule.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path

from workflow.engine.decisions import BODY_FIELD
from workflow.engine.flowchart import BUILTIN_RULE_NAMES, Action, Support, Workflow
from workflow.engine.schema import CJK, IDENT, CatalogueFile, FieldSpec
from workflow.errors import Problem

TALLY_NAMES = frozenset({"expected", "present", "yes", "no", "abstain"})


def located(src: str) -> tuple[str, int]:
    """Split a 'file:line' source mark; the file part may itself contain colons."""
    file, _, line = src.rpartition(":")
    return (file, int(line)) if line.isdigit() else (src, 0)


def check_support(support: Support, base: Path) -> list[Problem]:
    problems = []
    roles_file = str(base / "roles.yaml")
    for rid, role in support.roles.roles.items():
        if not IDENT.match(rid):
            problems.append(Problem(roles_file, 0, "bad-id", f"角色 id '{rid}' 须为小写英文标识"))
        if not CJK.search(role.title):
            problems.append(Problem(roles_file, 0, "missing-chinese-title", f"角色 '{rid}' 缺少中文名称"))
    quorums_file = str(base / "quorums.yaml")
    for qid, rule in support.quorum_rules.items():
        unknown = rule.names - TALLY_NAMES
        if unknown:
            problems.append(Problem(quorums_file, 0, "unknown-name",
                                    f"法定规则 {qid} 引用了表决以外的名称：{'、'.join(sorted(unknown))}"))
    for qid, q in support.quorums.quorums.items():
        if not CJK.search(q.title) or not CJK.search(q.text):
            problems.append(Problem(quorums_file, 0, "missing-chinese-title", f"法定规则 {qid} 缺少中文名称或说明"))
    return problems


def check_workflow(wf: Workflow) -> list[Problem]:
    chart = wf.chart
    problems: list[Problem] = []
    top = (chart.file, 1)

    def add(where: tuple[str, int], rule: str, message: str) -> None:
        problems.append(Problem(where[0], where[1], rule, message))

    if not IDENT.match(chart.id):
        add(top, "bad-id", f"流程 id '{chart.id}' 须为小写英文标识")
    if not CJK.search(chart.title):
        add(top, "missing-chinese-title", "流程缺少中文标题")
    if chart.initial not in wf.states:
        add(top, "unknown-state", f"初始状态 '{chart.initial}' 未定义")

    roles = wf.support.roles.roles
    for role in chart.view or ():
        if role not in roles:
            add(top, "unknown-role", f"查看权限中的角色 '{role}' 未在 roles.yaml 中定义")
    if wf.voice and chart.items:
        add(top, "voice-with-item", "群众诉求类流程（V 编号）不属于权力清单，不能列出权力事项")
    for name in chart.recuse:
        spec = wf.field_spec(name)
        if spec is None or spec.type != "text":
            add(top, "unknown-field", f"回避字段 '{name}' 须为流程中定义的文本字段（填写被反映人的用户名）")
    if wf.support.catalogue is not None:
        for item in chart.items:
            if item not in wf.support.catalogue.items:
                add(top, "unknown-item", f"权力事项 '{item}' 不在 catalogue.yaml 中")

    for name, state in wf.states.items():
        where = located(state.src) if state.src else top
        if not IDENT.match(name):
            add(where, "bad-id", f"状态名 '{name}' 须为小写英文标识")
        if not CJK.search(state.title):
            add(where, "missing-chinese-title", f"状态 '{name}' 缺少中文标题")
        for role in (*(state.view or ()), *(state.step or ())):
            if role not in roles:
                add(where, "unknown-role", f"状态 '{name}' 的权限表含未知角色 '{role}'")

    field_types: dict[str, FieldSpec] = {}
    for action in (wf.start, *wf.transitions.values()):
        problems += _check_action(wf, action, field_types)

    known_names = set(field_types) | set(chart.constants) | set(wf.support.negative.lists) | BUILTIN_RULE_NAMES
    for action in (wf.start, *wf.transitions.values()):
        where = located(action.src) if action.src else top
        for compiled in (*action.conditions, *action.forbid):
            unknown = compiled.rule.names - known_names
            if unknown:
                add(where, "unknown-name", f"“{action.title}”的规则“{compiled.rule.text}”引用了未定义的名称："
                    f"{'、'.join(sorted(unknown))}")
            if compiled.negative and compiled.negative not in wf.support.negative.items:
                add(where, "unknown-negative", f"负面清单事项 '{compiled.negative}' 不在 negative_list.yaml 中")

    for name, state in wf.states.items():
        if state.disclose:
            for f in state.disclose.fields:
                if f not in field_types:
                    add(located(state.src) if state.src else top, "unknown-field",
                        f"状态 '{name}' 公开的字段 '{f}' 在流程中没有定义")

    problems += _check_duties(wf, set(field_types), top)
    if not any(p.rule == "unknown-state" for p in problems):
        problems += _check_graph(wf, top)
    return problems


def _check_duties(wf: Workflow, fields: set[str], top: tuple[str, int]) -> list[Problem]:
    """Separation of duties names real steps and negative-list items; a routed resolution has the fields
    its route reads and a 决定机关 field offering only known bodies; a time limit that escalates has a way out
    once it has run out."""
    problems: list[Problem] = []

    def add(where: tuple[str, int], rule: str, message: str) -> None:
        problems.append(Problem(where[0], where[1], rule, message))

    steps = set(wf.transitions) | {"start"}
    for action in wf.transitions.values():
        where = located(action.src) if action.src else top
        for sep in action.not_by:
            for step in sorted(set(sep.steps) - steps):
                add(where, "unknown-transition", f"“{action.title}”的 not_by 引用了未定义的操作 '{step}'")
            if sep.negative not in wf.support.negative.items:
                add(where, "unknown-negative", f"负面清单事项 '{sep.negative}' 不在 negative_list.yaml 中")
    routes = {f.route for a in (wf.start, *wf.transitions.values()) for f in a.fields if f.route}
    decisions = wf.support.decisions
    if len(routes) > 1:
        add(top, "bad-field", f"一个流程只能有一个决策路由（现有 {'、'.join(sorted(routes))}）")
    if routes and decisions is not None and all(decisions.known(r) for r in routes):
        route = next(iter(routes))
        missing = decisions.route_names(route) - fields - set(wf.chart.constants) - set(wf.support.negative.lists)
        if missing:
            add(top, "unknown-name", f"决策路由 '{route}' 读取的字段在流程中没有定义：{'、'.join(sorted(missing))}")
        body = wf.field_spec(BODY_FIELD)
        unknown = set(wf.options(body)) - {b.title for b in decisions.spec.bodies.values()} if body else set()
        if body is None or body.type != "choice":
            add(top, "bad-field", f"有决策路由的流程须有选择字段 '{BODY_FIELD}'（决定机关）")
        elif unknown:
            add(top, "bad-field", f"决定机关选项不在 decisions.yaml 中：{'、'.join(sorted(unknown))}")
    for name, state in wf.states.items():
        if state.deadline is not None and state.deadline.binding == "escalate":
            ways = [t for t in wf.outgoing(name) if any("deadline_passed" in c.rule.names for c in t.conditions)]
            if not ways:
                add(located(state.src) if state.src else top, "no-escalation",
                    f"状态 '{name}' 的时限逾期后须可上报，但没有以 deadline_passed 为条件的转出")
    return problems


def check_rules(support: Support, county_file: str, decisions_file: str) -> list[Problem]:
    """Meeting rules, county rules, role separations and deciding bodies refer to what exists."""
    problems: list[Problem] = []

    def add(file: str, rule: str, message: str) -> None:
        problems.append(Problem(file, 0, rule, message))

    roles_file = str(Path(county_file).with_name("roles.yaml"))
    statutory = set(support.quorums.quorums)
    county_defaults = set(support.meetings.get("", {})) - statutory
    for county, rules in support.meetings.items():
        for rid in rules:
            if county and rid not in county_defaults:
                add(county_file, "unknown-quorum", f"{county} 的县规则 '{rid}' 没有默认规则")
    for rid in county_defaults & statutory:
        add(county_file, "duplicate-id", f"县规则 '{rid}' 与 quorums.yaml 中的法定规则同名")
    for rule in support.roles.separations:
        for role in (*rule.holders, *rule.excluded):
            if role not in support.roles.roles:
                add(roles_file, "unknown-role", f"职务分离规则引用了未定义的角色 '{role}'")
        if rule.negative not in support.negative.items:
            add(roles_file, "unknown-negative", f"负面清单事项 '{rule.negative}' 不在 negative_list.yaml 中")
    decisions = support.decisions
    if decisions is None:
        return problems
    known = set(support.meetings.get("", {})) | statutory
    for bid, body in decisions.spec.bodies.items():
        if body.quorum not in known:
            add(decisions_file, "unknown-quorum", f"决定机关 '{bid}' 的表决规则 '{body.quorum}' 未定义")
    for mid, matter in decisions.spec.matters.items():
        for bid, allowed in matter.bodies.items():
            if bid not in decisions.spec.bodies:
                add(decisions_file, "unknown-body", f"事项 '{mid}' 引用了未定义的决定机关 '{bid}'")
            if allowed.quorum and allowed.quorum not in known:
                add(decisions_file, "unknown-quorum", f"事项 '{mid}' 的表决规则 '{allowed.quorum}' 未定义")
    for rid, cases in decisions.spec.routes.items():
        if rid in decisions.spec.matters:
            add(decisions_file, "duplicate-id", f"决策路由 '{rid}' 与事项同名")
        for case in cases:
            if case.matter not in decisions.spec.matters:
                add(decisions_file, "unknown-matter", f"决策路由 '{rid}' 引用了未定义的事项 '{case.matter}'")
    return problems


def _check_action(wf: Workflow, action: Action, field_types: dict[str, FieldSpec]) -> list[Problem]:
    problems = []
    where = located(action.src) if action.src else (wf.chart.file, 1)
    roles = wf.support.roles.roles

    def add(rule: str, message: str) -> None:
        problems.append(Problem(where[0], where[1], rule, message))

    if action.id != "start" and not IDENT.match(action.id):
        add("bad-id", f"转换 id '{action.id}' 须为小写英文标识")
    if not CJK.search(action.title):
        add("missing-chinese-title", f"转换 '{action.id}' 缺少中文标题")
    if not action.roles:
        add("unknown-role", f"“{action.title}”没有指定可执行的角色")
    for role in action.roles:
        if role not in roles:
            add("unknown-role", f"“{action.title}”的角色 '{role}' 未在 roles.yaml 中定义")
    spec = next((t for t in wf.chart.transitions if t.id == action.id), None)
    if spec is not None and spec.scope:
        for role in action.roles:
            if role in roles and roles[role].level != spec.scope:
                add("scope-mismatch", f"“{action.title}”要求在{_level(spec.scope)}范围执行，"
                    f"但角色 '{role}' 属于{_level(roles[role].level)}")
    for state in action.sources:
        if state not in wf.states:
            add("unknown-state", f"“{action.title}”的起始状态 '{state}' 未定义")
    if action.id != "start" and action.to not in wf.states:
        add("unknown-state", f"“{action.title}”的目标状态 '{action.to}' 未定义")
    names = set()
    for f in action.fields:
        if f.name in names:
            add("duplicate-id", f"“{action.title}”的字段 '{f.name}' 重复")
        names.add(f.name)
        if not IDENT.match(f.name):
            add("bad-id", f"字段名 '{f.name}' 须为小写英文标识")
        if not CJK.search(f.title):
            add("missing-chinese-title", f"字段 '{f.name}' 缺少中文标题")
        if f.type == "choice" and not (f.options or f.options_list):
            add("bad-field", f"选择字段 '{f.name}' 没有选项（options 或 options_list）")
        if f.options_list and f.options_list not in wf.support.negative.lists:
            add("unknown-list", f"字段 '{f.name}' 的选项清单 '{f.options_list}' 不在 negative_list.yaml 中")
        if f.type != "choice" and (f.options or f.options_list):
            add("bad-field", f"字段 '{f.name}' 不是选择字段，不能有选项")
        if f.quorum and f.type != "tally":
            add("bad-field", f"字段 '{f.name}' 不是表决字段，不能指定法定规则")
        if f.quorum and f.quorum not in set(wf.support.meetings.get("", {})) | set(wf.support.quorums.quorums):
            add("unknown-quorum", f"表决字段 '{f.name}' 的表决规则 '{f.quorum}' 不在 quorums.yaml 或 "
                "county_rules.yaml 中")
        if f.route and f.type != "tally":
            add("bad-field", f"字段 '{f.name}' 不是表决字段，不能指定决策路由")
        if f.route and f.quorum:
            add("bad-field", f"表决字段 '{f.name}' 只能指定 quorum 或 route 之一")
        if f.route and (wf.support.decisions is None or not wf.support.decisions.known(f.route)):
            add("unknown-route", f"表决字段 '{f.name}' 的决策路由 '{f.route}' 不在 decisions.yaml 中")
        previous = field_types.get(f.name)
        if previous is not None and previous.type != f.type:
            add("field-type-conflict", f"字段 '{f.name}' 在不同步骤中类型不一致（{previous.type} 与 {f.type}）")
        field_types.setdefault(f.name, f)
    for a in action.attachments:
        if not IDENT.match(a.name):
            add("bad-id", f"附件名 '{a.name}' 须为小写英文标识")
        if not CJK.search(a.title):
            add("missing-chinese-title", f"附件 '{a.name}' 缺少中文标题")
    for c in action.forbid:
        if c.negative is None and c.text == c.rule.text:
            add("bad-rule", f"“{action.title}”的禁止规则须引用负面清单事项或给出说明")
    return problems


def _check_graph(wf: Workflow, top: tuple[str, int]) -> list[Problem]:
    problems = []
    edges: dict[str, set[str]] = {s: set() for s in wf.states}
    for t in wf.transitions.values():
        for s in t.sources:
            if s in edges and t.to in wf.states:
                edges[s].add(t.to)
    for name, state in wf.states.items():
        where = located(state.src) if state.src else top
        if state.final and edges[name]:
            problems.append(Problem(*where, "final-state-exit", f"终态 '{name}' 不应再有转出"))
        if not state.final and not edges[name]:
            problems.append(Problem(*where, "dead-end-state", f"非终态 '{name}' 没有任何转出，文书将停滞"))
    if wf.initial not in wf.states:
        return problems
    reached = _reach(wf.initial, edges)
    for name, state in wf.states.items():
        if name not in reached:
            problems.append(Problem(*(located(state.src) if state.src else top), "unreachable-state",
                                    f"状态 '{name}' 从初始状态 '{wf.initial}' 无法到达"))
    finals = {n for n, s in wf.states.items() if s.final}
    if not finals:
        problems.append(Problem(*top, "no-final-state", "流程没有终态"))
        return problems
    reverse: dict[str, set[str]] = {s: set() for s in wf.states}
    for s, targets in edges.items():
        for t in targets:
            reverse[t].add(s)
    can_finish = set().union(*(_reach(f, reverse) for f in finals)) if finals else set()
    for name in reached - can_finish:
        state = wf.states[name]
        if edges[name]:
            problems.append(Problem(*(located(state.src) if state.src else top), "no-way-to-end",
                                    f"从状态 '{name}' 出发无法到达任何终态"))
    return problems


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def check_catalogue(catalogue: CatalogueFile, workflows: dict, file: str,
                    lines: dict[str, int]) -> list[Problem]:
    problems = []
    by_id = {wf.id: wf for wf in workflows.values()}
    for iid, item in catalogue.items.items():
        if item.category not in catalogue.categories:
            problems.append(Problem(file, lines.get(iid, 1), "unknown-category", f"事项 {iid} 的类别 '{item.category}' 未定义"))
        if not CJK.search(item.title):
            problems.append(Problem(file, lines.get(iid, 1), "missing-chinese-title", f"事项 {iid} 缺少中文名称"))
        if not item.flowcharts:
            problems.append(Problem(file, lines.get(iid, 1), "item-without-flowchart", f"事项 {iid}“{item.title}”没有对应的流程图"))
        for fid in item.flowcharts:
            if fid not in by_id:
                problems.append(Problem(file, lines.get(iid, 1), "item-without-flowchart",
                                        f"事项 {iid}“{item.title}”的流程图 '{fid}' 不存在"))
            elif iid not in by_id[fid].chart.items:
                problems.append(Problem(by_id[fid].chart.file, 1, "item-mismatch",
                                        f"事项 {iid} 列出了流程 '{fid}'，但该流程的 items 没有 {iid}"))
    for wf in by_id.values():
        for iid in wf.chart.items:
            item = catalogue.items.get(iid)
            if item is not None and wf.id not in item.flowcharts:
                problems.append(Problem(wf.chart.file, 1, "item-mismatch",
                                        f"流程 '{wf.id}' 服务事项 {iid}，但 catalogue.yaml 中该事项未列出此流程"))
        if not wf.chart.items and not wf.voice:
            problems.append(Problem(wf.chart.file, 1, "unknown-item", f"流程 '{wf.id}' 没有服务任何权力事项"))
    return problems


def _level(level: str) -> str:
    return {"village": "村级", "township": "乡镇级", "county": "县级"}.get(level, level)
