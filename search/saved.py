"""Saved searches: a person's named archive searches, kept as search.criteria's JSON (never Whoosh
syntax), so they survive a change of search engine.

The table is created by migration 0003 and described here with SQLAlchemy Core, because it belongs to
the archive's clerks (in the web application and `cunwu search --save`) rather than to the workflow's
records.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
)

from search.criteria import Criteria
from workflow.errors import InputError
from workflow.store.database import Database, utcnow
from workflow.store.tables import UTCDateTime

MAX_PER_PERSON = 50
metadata = MetaData()
saved_searches = Table(
    "saved_searches", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("criteria", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "name", name="uq_saved_searches_user_name"),
)


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    criteria: Criteria


def of(db: Database, user_id: int) -> list[Saved]:
    with db.read() as s:
        rows = s.execute(select(saved_searches.c.id, saved_searches.c.name, saved_searches.c.criteria)
                         .where(saved_searches.c.user_id == user_id).order_by(saved_searches.c.name)).all()
    return [Saved(row.id, row.name, Criteria.from_json(row.criteria)) for row in rows]


def save(db: Database, user_id: int, name: str, criteria: Criteria) -> int:
    """Keep `criteria` under `name`, replacing an earlier search of the same name."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("检索名称须为 1 到 100 个字")
    with db.write() as s:
        s.execute(delete(saved_searches).where(saved_searches.c.user_id == user_id, saved_searches.c.name == name))
        count = len(s.execute(select(saved_searches.c.id).where(saved_searches.c.user_id == user_id)).all())
        if count >= MAX_PER_PERSON:
            raise InputError(f"每人最多保存 {MAX_PER_PERSON} 个检索，请先删除不用的")
        return s.execute(insert(saved_searches).values(user_id=user_id, name=name, criteria=criteria.to_json(),
                                                       created_at=utcnow())).inserted_primary_key[0]


def remove(db: Database, user_id: int, saved_id: int) -> bool:
    with db.write() as s:
        return s.execute(delete(saved_searches).where(saved_searches.c.id == saved_id,
                                                      saved_searches.c.user_id == user_id)).rowcount == 1
