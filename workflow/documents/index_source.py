"""What the archive index reads of the record: documents as the service shows them, in batches, their
versions, and the change feed. The search package depends on this shape (``search.source``), never on
the tables, so the index cannot read anything the service does not show.

The change feed is the steps table itself, read in ``steps.id`` order. Every start and step inserts
its step row after taking the log head's lock (:func:`workflow.ledger.log.head` with ``lock=True``)
and holds that lock until it commits, so ids become visible in increasing order on PostgreSQL as on
SQLite: a reader that has seen id N will never later find a committed step with a smaller id. Each
index keeps its own cursor into the feed, so any number of servers can follow one database, and no
one has to empty a queue.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from workflow.documents.service import Service
from workflow.documents.views import DocumentView
from workflow.engine.flowchart import Workflow
from workflow.engine.registry import Registry
from workflow.people.places import PlaceRef, chain_refs
from workflow.store.database import Database
from workflow.store.tables import Document, Place, Step

__all__ = ["DocumentSource"]


class DocumentSource:
    """The documents of one database, for an index."""

    def __init__(self, db: Database, registry: Registry) -> None:
        self.db = db
        self.registry = registry

    def load(self, doc_ids: Sequence[int]) -> dict[int, tuple[DocumentView, Workflow, list[PlaceRef]]]:
        """The documents of ``doc_ids`` that exist: the view ``Service.show`` gives, the flowchart
        version they run on, and their place chain. Three queries per batch, whatever its size."""
        if not doc_ids:
            return {}
        with self.db.read() as s:
            places = {p.id: p for p in s.scalars(select(Place))}  # held: chains and paths walk them, no queries
            docs = list(s.scalars(select(Document).where(Document.id.in_(list(doc_ids)))))
            steps: dict[int, list[Step]] = {doc.id: [] for doc in docs}
            for step in s.scalars(select(Step).where(Step.document_id.in_(list(steps)))
                                  .order_by(Step.document_id, Step.seq)):
                steps[step.document_id].append(step)
            loaded: dict[int, tuple[DocumentView, Workflow, list[PlaceRef]]] = {}
            for doc in docs:
                wf = self.registry.get(doc.workflow_id, doc.workflow_version)
                loaded[doc.id] = (Service.document_view(doc, wf, steps[doc.id]), wf, chain_refs(places[doc.place_id]))
            return loaded

    def document_ids(self) -> list[int]:
        with self.db.read() as s:
            return list(s.scalars(select(Document.id).order_by(Document.id)))

    def versions(self) -> list[tuple[int, int]]:
        """(document id, version) of every document; each step bumps the version."""
        with self.db.read() as s:
            return [(doc_id, version) for doc_id, version in s.execute(select(Document.id, Document.version))]

    def position(self) -> int:
        """The newest position of the change feed (0 while there is no step)."""
        with self.db.read() as s:
            return s.scalar(select(func.max(Step.id))) or 0

    def changes(self, after: int, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` (position, document id) pairs after ``after``, oldest first."""
        with self.db.read() as s:
            rows = s.execute(select(Step.id, Step.document_id).where(Step.id > after).order_by(Step.id).limit(limit))
            return [(position, doc_id) for position, doc_id in rows]

    def pending(self, after: int) -> int:
        """How many changes lie after ``after``."""
        with self.db.read() as s:
            return s.scalar(select(func.count(Step.id)).where(Step.id > after)) or 0
