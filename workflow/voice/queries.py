"""Plain queries on villagers' voice, for the portal, the worklists and supervision (issue 14).

"Open" means not yet in a final state of its flowchart: a 诉求 answered but not yet rated is still open,
because the villager may still be dissatisfied and the township may still have to look again.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, or_, select

from workflow.engine.registry import Registry
from workflow.store.database import Database
from workflow.store.tables import Document


def _open_clause(registry: Registry, workflow_ids: Iterable[str]) -> ColumnElement[bool] | None:
    ids = set(workflow_ids)
    clauses = [and_(Document.workflow_id == wf.id, Document.workflow_version == wf.version,
                    Document.state.not_in(sorted(wf.finals())))
               for wf in registry.workflows.values() if wf.id in ids]
    return or_(*clauses) if clauses else None


def open_voices(db: Database, registry: Registry, village_id: int,
                workflows: Iterable[str] | None = None) -> list[int]:
    """The open 诉求, 举报 and 异议 of a village (or only those of `workflows`), oldest first."""
    clause = _open_clause(registry, workflows if workflows is not None else [wf.id for wf in registry.voice_charts()])
    if clause is None:
        return []
    with db.read() as s:
        return list(s.scalars(select(Document.id).where(Document.place_id == village_id, clause)
                              .order_by(Document.id)))


def notices_in_progress(db: Database, registry: Registry, village_id: int | None = None,
                        limit: int = 100) -> list[int]:
    """Documents whose 公示 is in progress (a disclosing, not final state of a power-list flowchart), the
    ones a villager may object to, most recently changed first."""
    clauses = [and_(Document.workflow_id == wf.id, Document.workflow_version == wf.version,
                    Document.state.in_(sorted(s for s in wf.states if wf.publicizing(s))))
               for wf in registry.workflows.values()
               if not wf.voice and any(wf.publicizing(s) for s in wf.states)]
    if not clauses:
        return []
    query = select(Document.id).where(or_(*clauses))
    if village_id is not None:
        query = query.where(Document.place_id == village_id)
    with db.read() as s:
        return list(s.scalars(query.order_by(Document.updated_at.desc(), Document.id.desc()).limit(limit)))
