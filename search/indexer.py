"""The archive index of one data directory, kept in step with its database and searched.

The database says what changed through its change feed (:mod:`search.feed`); the index follows
it with its own cursor. Whoever writes (the web server's indexing thread, ``cunwu search`` before
it searches, ``cunwu reindex``) goes through the engine's write lock, across processes; a
process that finds it taken gets :class:`search.engine.IndexBusy` and leaves the changes for the
holder or the next run.

Searches take no lock at all: each engine serves many threads at once and keeps answering from
its last commit while a write or a rebuild runs. A rebuild by another process (or a move to
another engine) replaces the index directory; :attr:`Indexer.engine` notices the new directory
and opens it, while searches already running finish on the old one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from search.criteria import Criteria
from search.engine import Engine, engine_of, open_engine
from search.extract import BlobText
from search.feed import ApplyReport, CheckReport, Recipe, catch_up_feed, check, read_cursor, refresh, reindex
from search.index import index_path
from search.page import Page
from search.permissions import PUBLIC, principal_tokens
from search.request import plan
from search.source import DocumentSource
from workflow.context import Context
from workflow.documents.index_source import DocumentSource as DatabaseSource
from workflow.people.directory import find_user, principal

__all__ = ["Indexer", "IndexState"]

REBUILD_ABOVE = 2000
"""Documents to catch up beyond which one fresh build beats many small commits."""


@dataclass(frozen=True)
class IndexState:
    """What ``cunwu search --check`` reports: the comparison, and the changes not yet applied."""

    report: CheckReport
    pending: int

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.pending

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "ok": self.ok, "pending": self.pending}


class Indexer:
    """The index of one data directory, fed from that installation's database; ``new_engine`` is the
    engine its settings name for an installation that has no index yet."""

    def __init__(self, context: Context, source: DocumentSource | None = None,
                 new_engine: str | None = None) -> None:
        self.context = context
        self.new_engine = new_engine
        self.path = index_path(context.home)
        self.source: DocumentSource = source or DatabaseSource(context.db, context.registry)
        self.lock = threading.RLock()
        self._opening = threading.Lock()
        self._opened: tuple[int, Engine] | None = None
        self._text_of = BlobText(context.service.blobs.get)

    @property
    def engine(self) -> Engine:
        """The open index, reopened when its directory was replaced since it was opened."""
        opened = self._opened
        try:
            identity = os.stat(self.path).st_ino
        except FileNotFoundError:
            identity = -1
        if opened is not None and opened[0] == identity:
            return opened[1]
        with self._opening:  # not the write lock: a search must not wait for a write to open the index
            if self._opened is None or self._opened[0] != identity:
                engine = open_engine(self.path, self.new_engine)
                self._opened = (os.stat(self.path).st_ino, engine)
            return self._opened[1]

    def apply_pending(self, timeout: float = 30.0) -> ApplyReport:
        """Write every document changed after the cursor; IndexBusy if another process writes."""
        with self.lock:
            return catch_up_feed(self.engine, self.source, self._text_of, timeout=timeout)

    def update(self, timeout: float = 30.0) -> ApplyReport:
        """Apply the changes after the cursor, by one rebuild when that is the quicker way (a demo
        county just built, a database just migrated)."""
        waiting = self.pending()
        if waiting > REBUILD_ABOVE:
            self.reindex()
            return ApplyReport(applied=waiting)
        return self.apply_pending(timeout=timeout)

    def pending(self) -> int:
        return self.source.pending(read_cursor(self.path))

    def check(self) -> IndexState:
        """Documents the index lacks, holds at an older version, or holds though they are gone."""
        return IndexState(check(self.engine, self.source.versions()), self.pending())

    def refresh(self, doc_ids: Sequence[int], timeout: float = 30.0) -> ApplyReport:
        """Rewrite these documents' records (removing those of documents that no longer exist)."""
        with self.lock:
            return refresh(self.engine, self.source, list(doc_ids), self._text_of, timeout=timeout)

    def reindex(self, engine: str | None = None) -> int:
        """Build the index anew from the database, with ``engine`` or the current one; returns the
        number of index records written."""
        recipe = None
        if isinstance(self.source, DatabaseSource):
            recipe = Recipe(self.context.home, self.context.db.url, self.context.registry.source_dir)
        with self.lock:
            written = reindex(self.path, self.source, self._text_of, engine or engine_of(self.path, self.new_engine),
                              recipe)
            with self._opening:
                self._opened = None
            return written

    def catch_up(self) -> int:
        """Bring the index level with the database, however far behind; returns documents written.

        Rebuilds when the index is empty or far behind (a new installation, a lost index),
        otherwise rewrites what the check names and then follows the feed.
        """
        state = self.check()
        todo = (state.report.missing + [doc_id for doc_id, _indexed, _current in state.report.stale]
                + state.report.orphaned)
        if len(todo) > REBUILD_ABOVE or (todo and self.engine.doc_count() == 0):
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
        """One page of what this person (None: the public) may see; QueryError for words to correct.
        Takes no lock: searches run side by side and beside the indexer."""
        request = plan(criteria, self.tokens(username), page=page, page_size=page_size)
        return self.engine.search(request)

    def warm(self) -> None:
        """Have the searcher and its caches ready before anyone searches."""
        self.engine.warm()

    def close(self) -> None:
        with self._opening:
            if self._opened is not None:
                self._opened[1].close()
                self._opened = None
