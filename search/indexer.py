"""The archive index kept in step with one cunwu database: the outbox drained, the index checked
against the documents, rebuilt from them, and searched.

Every start and step writes an ``index_outbox`` row in its own transaction (workflow.service), so
the database says what the index has yet to hear about. :meth:`Indexer.apply_pending` writes
those documents' records and only then deletes their rows; a crash anywhere in between leaves the
rows, and the next run writes the same records again (see :mod:`search.outbox`). Whoosh lets one
writer at a time hold an index, across processes: whoever drains while another process holds the
lock gets :class:`search.index.IndexBusy` and leaves the rows for the holder or the next run.

Within one process the index's searcher and writer are not safe to share between threads, so
every use goes through :attr:`Indexer.lock`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from search.criteria import Criteria
from search.extract import BlobText
from search.index import ArchiveIndex, index_path
from search.outbox import ApplyReport, CheckReport, Loaded, apply_pending, check, reindex
from search.permissions import PUBLIC, PlaceRef, principal_tokens
from search.records import records_for
from search.searcher import Page, search, warm
from workflow.context import Context
from workflow.errors import NotFound
from workflow.people.directory import find_user, principal
from workflow.store.tables import Document, IndexOutbox

__all__ = ["Indexer", "IndexState"]

REBUILD_ABOVE = 2000
"""Documents to catch up beyond which one fresh build beats many small commits (each commit
writes a segment that Whoosh later merges)."""


@dataclass(frozen=True)
class IndexState:
    """What ``cunwu search --check`` reports: the comparison, and the outbox rows still waiting."""

    report: CheckReport
    pending: int

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.pending

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "ok": self.ok, "pending": self.pending}


class Indexer:
    """The index of one data directory, fed from that installation's database."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.lock = threading.RLock()
        self._index: ArchiveIndex | None = None
        self._text_of = BlobText(context.service.blobs.get)

    @property
    def index(self) -> ArchiveIndex:
        with self.lock:
            if self._index is None:
                self._index = ArchiveIndex.open(index_path(self.context.home))
            return self._index

    def load(self, doc_id: int) -> Loaded | None:
        """A document as the index shows it: the service's view, its flowchart, its place chain."""
        try:
            view = self.context.service.show(doc_id)
        except NotFound:
            return None
        with self.context.db.read() as s:
            chain = [PlaceRef(p.id, p.name, p.kind) for p in s.get(Document, doc_id).place.chain()]
        return view, self.context.registry.get(view["workflow"], view["workflow_version"]), chain

    def apply_pending(self, timeout: float = 30.0) -> ApplyReport:
        """Write every document the outbox names, oldest row first; IndexBusy if another process writes."""
        with self.lock:
            return apply_pending(self.index, self._fetch_pending, self.load, self._mark_done, self._text_of,
                                 timeout=timeout)

    def update(self, timeout: float = 30.0) -> ApplyReport:
        """Apply what the outbox holds, by one rebuild when that is the quicker way.

        A long backlog (a demo county just built, a database just migrated) is rebuilt in one
        pass instead of hundreds of small commits.
        """
        waiting = self.pending()
        if waiting > REBUILD_ABOVE:
            self.reindex()
            return ApplyReport(applied=waiting)
        return self.apply_pending(timeout=timeout)

    def pending(self) -> int:
        with self.context.db.read() as s:
            return s.scalar(select(func.count(IndexOutbox.id))) or 0

    def check(self) -> IndexState:
        """Documents the index lacks, holds at an older version, or holds though they are gone."""
        with self.context.db.read() as s:
            versions = [(doc_id, version) for doc_id, version in s.execute(select(Document.id, Document.version))]
        with self.lock:
            report = check(self.index, versions)
        return IndexState(report, self.pending())

    def refresh(self, doc_ids: Iterable[int], timeout: float = 30.0) -> int:
        """Rewrite these documents' records (removing those of documents that no longer exist)."""
        def changes() -> Iterable[tuple[int, list[dict[str, Any]] | None]]:
            for doc_id in doc_ids:
                loaded = self.load(doc_id)
                yield doc_id, None if loaded is None else records_for(*loaded, self._text_of)

        with self.lock:
            return self.index.write(changes(), timeout=timeout)

    def reindex(self) -> int:
        """Build the index anew from the database; returns the number of index records written.

        The outbox rows seen before the rebuild starts are covered by it (each document is loaded
        after they were committed) and are deleted; any other row is left for the next drain.
        """
        with self.context.db.read() as s:
            covered = list(s.scalars(select(IndexOutbox.id)))
            doc_ids = list(s.scalars(select(Document.id).order_by(Document.id)))
        with self.lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            written = reindex(index_path(self.context.home), doc_ids, self.load, self._text_of)
        for start in range(0, len(covered), 1000):
            self._mark_done(covered[start:start + 1000])
        return written

    def catch_up(self) -> int:
        """Bring the index level with the database, however far behind; returns documents written.

        Rebuilds when the index is empty or far behind (a new installation, a lost index, rows
        made outside the service), otherwise rewrites what the check names and drains the outbox.
        """
        state = self.check()
        todo = (state.report.missing + [doc_id for doc_id, _indexed, _current in state.report.stale]
                + state.report.orphaned)
        if len(todo) > REBUILD_ABOVE or (todo and self.index.doc_count() == 0):
            self.reindex()
            return len(todo)
        if todo:
            self.refresh(todo)
        self.apply_pending()
        return len(todo)

    def tokens(self, username: str | None) -> list[str]:
        """The permission tokens of a signed-in person, or the public's when there is nobody."""
        if username is None:
            return [PUBLIC]
        with self.context.db.read() as s:
            return principal_tokens(principal(find_user(s, username)))

    def search(self, criteria: Criteria, username: str | None, page: int = 1, page_size: int = 20) -> Page:
        """One page of what this person (None: the public) may see; QueryError for words to correct."""
        allowed = self.tokens(username)
        with self.lock:
            return search(self.index, criteria, allowed, page=page, page_size=page_size)

    def warm(self) -> None:
        """Have the searcher and its columns ready before anyone searches."""
        with self.lock:
            warm(self.index)

    def close(self) -> None:
        with self.lock:
            if self._index is not None:
                self._index.close()
                self._index = None

    def _fetch_pending(self, after: int, limit: int) -> Sequence[tuple[int, int]]:
        with self.context.db.read() as s:
            rows = s.execute(select(IndexOutbox.id, IndexOutbox.document_id).where(IndexOutbox.id > after)
                             .order_by(IndexOutbox.id).limit(limit))
            return [(row_id, doc_id) for row_id, doc_id in rows]

    def _mark_done(self, ids: Sequence[int]) -> None:
        if ids:
            with self.context.db.write() as s:
                s.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(ids)))
