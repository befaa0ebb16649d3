"""Which villages a person's roles reach: a role held at a township or the county covers every village
under it. The web pages use this to offer only the villages where a person may start a flowchart; the
service still decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select

from workflow.store.database import Database
from workflow.store.tables import Place


@dataclass(frozen=True)
class Village:
    id: int
    path: str
    chain: frozenset[int]


def villages(db: Database) -> list[Village]:
    with db.read() as s:
        return [Village(p.id, p.path(), frozenset(x.id for x in p.chain()))
                for p in s.scalars(select(Place).where(Place.kind == "village").order_by(Place.id))]


def villages_where(all_villages: Iterable[Village], held: Iterable[tuple[str, int]],
                   roles: Iterable[str]) -> list[Village]:
    """Villages under a place where one of `roles` is held; `held` is (role, place id) pairs."""
    wanted = set(roles)
    places = {place_id for role, place_id in held if role in wanted}
    return [v for v in all_villages if v.chain & places]
