"""异议 attached to a 公示: which objections a document has, and which are still open.

A villager's 异议 is a document of its own (definitions/v03_objection.yaml) linked to the 公示 it objects
to. While one is open (not in a final state of its flowchart) the 公示 cannot take a forward step out of
its publicizing state: the service asks `pending` inside the step's transaction. Supervision (issue 14)
and the portal ask `open_objections` and `objections_of`.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.engine.registry import Registry
from workflow.messages import Code
from workflow.store.database import Database
from workflow.store.tables import Document, ObjectionLink

OBJECTION_OPEN = Code("objection.open", "公示期间有村民异议尚未办结（异议文书 %(objections)s），不能结束公示")


def pending(s: Session, registry: Registry, doc_id: int) -> list[int]:
    """The open 异议 documents of `doc_id`, oldest first, read in the caller's transaction."""
    rows = s.execute(select(Document.id, Document.workflow_id, Document.workflow_version, Document.state)
                     .join(ObjectionLink, ObjectionLink.objection_id == Document.id)
                     .where(ObjectionLink.subject_id == doc_id).order_by(Document.id))
    return [oid for oid, wid, version, state in rows if state not in registry.get(wid, version).finals()]


def open_objections(db: Database, registry: Registry, doc_id: int) -> list[int]:
    """The 异议 documents against `doc_id` that are still open."""
    with db.read() as s:
        return pending(s, registry, doc_id)


def objections_of(db: Database, doc_id: int) -> list[int]:
    """Every 异议 document ever raised against `doc_id`, open or closed, oldest first."""
    with db.read() as s:
        return list(s.scalars(select(ObjectionLink.objection_id).where(ObjectionLink.subject_id == doc_id)
                              .order_by(ObjectionLink.objection_id)))
