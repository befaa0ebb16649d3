"""The place hierarchy, once: which places lie under a place, and which villages a person's roles
reach (a role held at a township or the county covers every village under it).

The service filters document lists with `under`, the worklist finds a role's villages with
`villages_under`, the web pages offer only the villages where a person may start a flowchart with
`villages_where` (the service still decides), and the archive index's permission tokens name every place
of a document's chain, which is the same relation seen from the village (tests/test_places.py checks all
of them, and the verifier's path-based scope, agree over a demo county). The verifier keeps its own
path comparison on purpose: it reads only the signed log, never these tables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.store.database import Database
from workflow.store.tables import Place


def under(s: Session, place_id: int) -> list[int]:
    """The place and every place below it, level by level."""
    ids, frontier = [place_id], [place_id]
    while frontier:
        frontier = list(s.scalars(select(Place.id).where(Place.parent_id.in_(frontier))))
        ids += frontier
    return ids


def villages_under(s: Session, place: Place) -> list[int]:
    """The villages at or below a place (the place itself when it is a village)."""
    if place.kind == "village":
        return [place.id]
    return list(s.scalars(select(Place.id).where(Place.id.in_(under(s, place.id)), Place.kind == "village")))


@dataclass(frozen=True)
class PlaceRef:
    """One place of a document's chain, as the archive index names it in permission tokens."""

    id: int
    name: str
    kind: str


def chain_refs(place: Place) -> list[PlaceRef]:
    """The place and every place above it, nearest first."""
    return [PlaceRef(p.id, p.name, p.kind) for p in place.chain()]


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
