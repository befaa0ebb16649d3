"""Roles one person may not hold together in one village (roles.yaml `separations`, e.g. 组织法 Art. 32):
a grant that would make such a pair is refused with the article's words, and `pairs` finds the ones a
directory already holds (granted before the rule, or written without cunwu), so that they can be undone.
The guards refuse such a person acting in the excluded role whatever the directory says.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.engine.flowchart import Support
from workflow.engine.guards import separations_against
from workflow.errors import InputError
from workflow.messages import Code
from workflow.store.tables import Place, RoleAssignment, User

SEPARATION_REFUSED = Code("directory.role-separation",
                          "不能授予%(user)s“%(role)s”：%(basis)s：“%(article)s”"
                          "（%(user)s 已在“%(place)s”担任%(held)s）")


@dataclass(frozen=True)
class Pair:
    username: str
    name: str
    place: str
    held: tuple[str, ...]
    excluded: tuple[str, ...]
    negative: str
    basis: str
    article: str


def refuse_pair(support: Support, user: User, role: str, place: Place) -> None:
    """Raise if granting `role` at `place` would give `user` two roles a separation forbids together."""
    held = {a.role for a in user.assignments if a.place_id == place.id}
    for rule in separations_against(support, held, role):
        roles = support.roles.roles
        other = "、".join(roles[r].title for r in sorted(held & (set(rule.holders) | set(rule.excluded))))
        raise InputError(SEPARATION_REFUSED(user=user.username, role=roles[role].title, basis=rule.basis,
                                            article=rule.article, place=place.path(), held=other))


def pairs(session: Session, support: Support) -> list[Pair]:
    """Every person holding, in one place, roles that a separation forbids together."""
    roles = support.roles.roles
    held: dict[tuple[int, int], tuple[User, Place, set[str]]] = {}
    for a in session.scalars(select(RoleAssignment)):
        held.setdefault((a.user_id, a.place_id), (a.user, a.place, set()))[2].add(a.role)
    found = []
    for _, (user, place, names) in sorted(held.items(), key=lambda kv: kv[0]):
        for rule in support.roles.separations:
            first, second = names & set(rule.holders), names & set(rule.excluded)
            if first and second:
                found.append(Pair(user.username, user.display_name, place.path(),
                                  tuple(roles[r].title for r in sorted(first)),
                                  tuple(roles[r].title for r in sorted(second)),
                                  rule.negative, rule.basis, rule.article))
    return found
