"""Who decides a matter and by which rule: meeting rules with their sources, and the deciding body that
follows the matter.

A meeting rule is either statutory (quorums.yaml: the statute, the article and its words, quoted when a
tally fails it) or a county rule (county_rules.yaml: a rule no statute sets, cited as the county's, and
replaceable county by county). Which body may decide, and so which rule a resolution is held to, is not a
property of the flowchart but of the matter the document records (its kind, whether land goes to someone
outside the collective): a route's cases, read over the document's fields, name the matter; the matter
names the bodies the law lets decide it, each with its rule, whether the 村民会议 must have authorised it
(组织法 Art. 24) and any approval the decision still needs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.engine.rules import MissingValue, Rule, RuleEvalError
from workflow.engine.schema import CountyRulesFile, DecisionsFile, Matter, QuorumsFile
from workflow.messages import Code, Message

BODY_FIELD = "decision_body"
AUTHORISATION_FIELD = "authorisation"
MATTER_NAME = "decision_matter"

QUORUM_NOT_MET = Code("guard.quorum-not-met", "%(field)s不符合法定要求：%(rule)s（%(basis)s）")
COUNTY_RULE_NOT_MET = Code("guard.county-rule-not-met", "%(field)s不符合县规则：%(rule)s（%(basis)s）")
BODY_NOT_ALLOWED = Code("guard.body-not-allowed",
                        "“%(body)s”不能决定%(matter)s，须由%(allowed)s决定（%(basis)s：“%(article)s”）")
AUTHORISATION_REQUIRED = Code("guard.authorisation-required",
                              "%(body)s讨论决定%(matter)s须经授权，须写明授权决定（%(basis)s）")
MATTER_UNKNOWN = Code("guard.matter-unknown", "无法确定决策事项的决定机关（缺少“%(field)s”）")
NO_CASE = Code("guard.no-route-case", "决策路由“%(route)s”没有适用的情形")


@dataclass(frozen=True)
class MeetingRule:
    """A compiled meeting rule and how a refusal cites it."""

    id: str
    title: str
    rule: Rule
    text: str
    citation: str
    statutory: bool

    def refusal(self, field_title: str) -> Message:
        code = QUORUM_NOT_MET if self.statutory else COUNTY_RULE_NOT_MET
        return code(field=field_title, rule=self.text, basis=self.citation)


def statutory(quorums: QuorumsFile, compiled: Mapping[str, Rule]) -> dict[str, MeetingRule]:
    return {qid: MeetingRule(qid, q.title, compiled[qid], q.text, f"{q.basis}：“{q.article}”", True)
            for qid, q in quorums.quorums.items() if qid in compiled}


def county(rules: CountyRulesFile, compiled: Mapping[tuple[str, str], Rule]) -> dict[str, dict[str, MeetingRule]]:
    """County rules by county name; '' holds the defaults every county has until it sets its own."""
    out: dict[str, dict[str, MeetingRule]] = {"": {}}
    for rid, r in rules.rules.items():
        if ("", rid) in compiled:
            out[""][rid] = MeetingRule(rid, r.title, compiled[("", rid)], r.text, f"县规则：{r.source}", False)
    for name, overrides in rules.counties.items():
        for rid, o in overrides.items():
            if (name, rid) in compiled and rid in rules.rules:
                out.setdefault(name, {})[rid] = MeetingRule(rid, rules.rules[rid].title, compiled[(name, rid)], o.text,
                                                            f"县规则：{name}：{o.source}", False)
    return out


@dataclass(frozen=True)
class Decisions:
    """The bodies, the matters and the compiled routes."""

    spec: DecisionsFile
    routes: dict[str, tuple[tuple[Rule, str], ...]] = field(default_factory=dict)

    def route_names(self, route: str) -> frozenset[str]:
        """The document fields a route reads (so the checker can tell a flowchart that lacks one)."""
        return frozenset().union(*(rule.names for rule, _ in self.routes.get(route, ())))

    def known(self, route: str) -> bool:
        return route in self.routes or route in self.spec.matters

    def matter(self, route: str, env: Mapping[str, Any]) -> str:
        """The matter a document's data makes it: the first case of the route that holds."""
        if route in self.spec.matters:
            return route
        for rule, matter in self.routes[route]:
            if rule.holds(env):
                return matter
        raise RuleEvalError(NO_CASE(route=route))


def check(decisions: Decisions, meeting: Any, route: str, env: Mapping[str, Any], tally: Mapping[str, int],
          field_title: str) -> list[Message]:
    """Denials for a resolution tally: the body must be one the matter allows, authorised where the law
    asks, and the tally must meet that body's rule for this matter. `meeting(id)` gives a MeetingRule."""
    try:
        mid = decisions.matter(route, env)
    except MissingValue as exc:
        return [MATTER_UNKNOWN(field=exc.name)]
    except RuleEvalError as exc:
        return [exc.args[0] if isinstance(exc.args[0], Message) else NO_CASE(route=route)]
    matter = decisions.spec.matters[mid]
    title = env.get(BODY_FIELD)
    if not title:
        return []
    body_id = next((b for b, spec in decisions.spec.bodies.items() if spec.title == title), None)
    if body_id is None or body_id not in matter.bodies:
        return [BODY_NOT_ALLOWED(body=title, matter=matter.title, allowed="、".join(_titles(decisions, matter)),
                                 basis=matter.basis, article=matter.article)]
    denials = []
    body = decisions.spec.bodies[body_id]
    allowed_body = matter.bodies[body_id]
    if allowed_body.authorised and not env.get(AUTHORISATION_FIELD):
        denials.append(AUTHORISATION_REQUIRED(body=body.title, matter=matter.title, basis=body.authorisation))
    rule: MeetingRule = meeting(allowed_body.quorum or body.quorum)
    if not rule.rule.holds(dict(tally)):
        denials.append(rule.refusal(field_title))
    return denials


def _titles(decisions: Decisions, matter: Matter) -> list[str]:
    return [decisions.spec.bodies[b].title for b in matter.bodies if b in decisions.spec.bodies]


def matter_or_none(decisions: Decisions | None, route: str | None, env: Mapping[str, Any]) -> str | None:
    """The document's matter for rules that read `decision_matter`, or None while its fields are missing."""
    if decisions is None or route is None:
        return None
    try:
        return decisions.matter(route, env)
    except RuleEvalError:
        return None
