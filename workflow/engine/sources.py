"""Every rule the definitions apply, with its source and the flowcharts and steps that apply it.

The rules live in several files (meeting rules, county rules, deciding bodies, role separations, the
negative list, time limits); a county administrator, an auditor or a township reviewer asks the reverse
question: which rule, on what basis, applies where. `cunwu definitions law` prints this table and
definitions/README.md keeps it with the test that pins each rule (a test checks the two agree).
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.engine.registry import Registry


@dataclass(frozen=True)
class Row:
    rule: str
    source: str
    applied: str


def rows(registry: Registry) -> list[Row]:
    support = registry.support
    charts = registry.charts()
    out: list[Row] = []
    decisions = support.decisions
    reached: dict[str, list[str]] = {}
    for wf in charts:
        for action in wf.transitions.values():
            for f in action.fields:
                if f.route and decisions is not None:
                    matters = ({f.route} if f.route in decisions.spec.matters
                               else {m for _, m in decisions.routes.get(f.route, ())})
                    for m in sorted(matters):
                        reached.setdefault(m, []).append(f"{wf.chart.code} {action.id}")
    for rid, meeting in sorted(support.meetings.get("", {}).items(), key=lambda kv: (not kv[1].statutory, kv[0])):
        where = [f"{wf.chart.code} {a.id}" for wf in charts for a in wf.transitions.values()
                 for f in a.fields if f.quorum == rid]
        if decisions is not None:
            routed = [w for mid, matter in decisions.spec.matters.items() for bid, allowed in matter.bodies.items()
                      if (allowed.quorum or decisions.spec.bodies[bid].quorum) == rid for w in reached.get(mid, [])]
            where += [f"{w}（作为决定机关，见下）" for w in dict.fromkeys(routed)]
        source = meeting.citation.split("：“")[0] if meeting.statutory else "县规则（county_rules.yaml）"
        out.append(Row(f"表决规则 {rid}：{meeting.title}", source, _join(where)))
    if decisions is not None:
        for mid, matter in decisions.spec.matters.items():
            bodies = "、".join(decisions.spec.bodies[b].title for b in matter.bodies)
            out.append(Row(f"决定机关 {mid}：{matter.title}（{bodies}）", matter.basis, _join(reached.get(mid, []))))
    for rule in support.roles.separations:
        roles = support.roles.roles
        out.append(Row(f"职务分离 {rule.negative}：{'、'.join(roles[r].title for r in rule.holders)}不得兼任"
                       f"{'、'.join(roles[r].title for r in rule.excluded)}", rule.basis,
                       "授予角色（cunwu user grant、管理页面）；cunwu user check；以后者身份办理的每一步"))
    out.append(Row("期间：次日起算，末日二十四时届满，末日为法定休假日的顺延；工作日按国务院节假日安排",
                   "《民法典》第二百零一条、第二百零三条；calendar.yaml", "每个设有时限（deadline）的状态"))
    limits: dict[tuple[str, str], list[str]] = {}
    for wf in charts:
        for name, state in wf.states.items():
            if state.deadline is not None and state.deadline.binding:
                limit = (f"{state.deadline.days}日" if state.deadline.days
                         else f"{state.deadline.working_days}个工作日")
                effect = "逾期可向乡镇反映" if state.deadline.binding == "escalate" else "逾期办理记为逾期"
                key = (f"时限：{state.title}{limit}，{effect}", state.deadline.basis or "")
                limits.setdefault(key, []).append(f"{wf.chart.code} {name}")
    out += [Row(rule, source, _join(where)) for (rule, source), where in limits.items()]
    for nid, item in support.negative.items.items():
        where = [f"{wf.chart.code} {a.id}" for wf in charts for a in (wf.start, *wf.transitions.values())
                 if any(c.negative == nid for c in a.forbid) or any(s.negative == nid for s in a.not_by)]
        if any(r.negative == nid for r in support.roles.separations):
            where.append("授予角色；村务监督委员会的每一步")
        out.append(Row(f"负面清单 {nid}：{item.title}", item.basis, _join(where) or "—"))
    return out


def _join(items: list[str]) -> str:
    return "；".join(dict.fromkeys(items))


def markdown(registry: Registry) -> str:
    lines = ["| rule | source | flowcharts and steps |", "| --- | --- | --- |"]
    lines += [f"| {r.rule} | {r.source} | {r.applied} |" for r in rows(registry)]
    return "\n".join(lines)

