"""The signed-in person as the web pages see them: name, roles and where each role is held.

Loaded afresh from the database on every request, so a person switched off or given a new role is
seen at their next click, not at their next login.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import select

from workflow.engine.registry import Registry
from workflow.store.database import Database
from workflow.store.tables import User


@dataclass(frozen=True)
class RoleAt:
    role: str
    title: str
    place_id: int
    place: str
    level: str


@dataclass(frozen=True, eq=False)
class Person(UserMixin):
    id: str
    username: str
    name: str
    roles: tuple[RoleAt, ...]

    def holds(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.roles)

    def describe(self) -> str:
        return f"{self.name}（{self.username}）"


def load_person(db: Database, registry: Registry, user_id: str) -> Optional[Person]:
    if not user_id.isdigit():
        return None
    titles = registry.support.roles.roles
    with db.read() as s:
        user = s.scalar(select(User).where(User.id == int(user_id)))
        if user is None or not user.active:
            return None
        roles = tuple(RoleAt(a.role, titles[a.role].title if a.role in titles else a.role, a.place_id,
                             a.place.path(), a.place.kind)
                      for a in sorted(user.assignments, key=lambda a: a.id))
        return Person(str(user.id), user.username, user.display_name, roles)
