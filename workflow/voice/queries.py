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
