"""The one place the web layer meets the archive search: the open index, keeping it up to date, the
person's permission tokens, one page of results.

The index is opened once per application and its searcher reused (opening one per request costs
an order of magnitude more, search anchors §3.1). Whoosh does not promise that one searcher may be
used by several threads at once, so searches and index writes take turns on a lock; waitress serves
every other page meanwhile.

Keeping up: a document started or stepped through the web is re-indexed at once, and `catch_up`
(run by `cunwu serve` in the background at start) indexes whatever the index lacks or holds at an
older version, which covers documents made by the command line or the demo. Both use search's own
record builder, so the records are the ones its indexer writes.
"""
from __future__ import annotations

import threading
from typing import Iterable, Optional

from flask import Flask, current_app
from sqlalchemy import select

from search.criteria import Criteria
from search.extract import BlobText
from search.index import ArchiveIndex, index_path
from search.outbox import Loaded, check, reindex
from search.permissions import PlaceRef, principal_tokens
from search.records import records_for
from search.searcher import Page, search
from web.runtime import Runtime
from workflow.directory import find_user, principal
from workflow.errors import NotFound
from workflow.storage import Document

PAGE_SIZE = 20
BATCH = 100
REBUILD_ABOVE = 2000
_lock = threading.RLock()


def archive(rt: Runtime) -> ArchiveIndex:
    with _lock:
        opened: Optional[ArchiveIndex] = rt.opened.get("archive")
        if opened is None:
            opened = rt.opened["archive"] = ArchiveIndex.open(index_path(rt.context.home))
        return opened


def tokens(rt: Runtime, username: str) -> list[str]:
    with rt.db.read() as s:
        return principal_tokens(principal(find_user(s, username)))


def run(rt: Runtime, username: str, criteria: Criteria, page: int) -> Page:
    """One page of what this person may see; raises search.query.QueryError for a query to correct."""
    index, allowed = archive(rt), tokens(rt, username)
    with _lock:
        return search(index, criteria, allowed, page=page, page_size=PAGE_SIZE)


def load(rt: Runtime, doc_id: int) -> Optional[Loaded]:
    try:
        view = rt.service.show(doc_id)
    except NotFound:
        return None
    with rt.db.read() as s:
        chain = [PlaceRef(p.id, p.name, p.kind) for p in s.get(Document, doc_id).place.chain()]
    return view, rt.registry.get(view["workflow"], view["workflow_version"]), chain


def refresh(rt: Runtime, doc_ids: Iterable[int]) -> int:
    """Replace these documents' records in the index (removing those that no longer exist). Records are
    built before taking the lock, so searches wait only for the write itself."""
    text_of = BlobText(rt.blobs.get)
    changes = []
    for doc_id in doc_ids:
        loaded = load(rt, doc_id)
        changes.append((doc_id, None if loaded is None else records_for(*loaded, text_of)))
    with _lock:
        return archive(rt).write(changes)


def catch_up(rt: Runtime) -> int:
    """Index every document the index lacks or holds at an older version; returns how many.

    An empty index is filled without asking it for versions, which Whoosh cannot read from no segments;
    more than REBUILD_ABOVE documents to do and the whole index is rebuilt instead.
    """
    with rt.db.read() as s:
        versions = list(s.execute(select(Document.id, Document.version)))
    with _lock:
        index = archive(rt)
        if index.doc_count() == 0:
            todo = [doc_id for doc_id, _version in versions]
        else:
            report = check(index, versions)
            todo = report.missing + [doc_id for doc_id, _indexed, _current in report.stale] + report.orphaned
    if len(todo) > REBUILD_ABOVE:
        rebuild(rt, [doc_id for doc_id, _version in versions])
        return len(todo)
    for start in range(0, len(todo), BATCH):
        refresh(rt, todo[start:start + BATCH])
    return len(todo)


def rebuild(rt: Runtime, doc_ids: list[int]) -> None:
    """Build a fresh index beside the live one with a single writer, then swap it in: for many
    documents far faster than commits of a few hundred, which make Whoosh merge segments each time."""
    text_of = BlobText(rt.blobs.get)
    with _lock:
        old = rt.opened.pop("archive", None)
        if old is not None:
            old.close()
    reindex(index_path(rt.context.home), doc_ids, lambda doc_id: load(rt, doc_id), text_of)



def keep_up(rt: Runtime, doc_id: int) -> None:
    """Re-index a document just changed through the web. The step is already committed and the index is
    a cache that `catch_up` repairs, so a failure here is logged, not shown to the cadre."""
    try:
        refresh(rt, [doc_id])
    except Exception:  # noqa: BLE001 - see docstring
        current_app.logger.exception("re-indexing document %s failed; catch_up will retry", doc_id)


def start_catching_up(app: Flask) -> threading.Thread:
    """Index in the background what the index lacks, so the server answers while it works."""
    def work() -> None:
        try:
            with app.app_context():
                catch_up(app.extensions["cunwu"])
        except Exception:  # noqa: BLE001 - a background thread has nobody else to tell
            app.logger.exception("catching up the archive index failed")

    thread = threading.Thread(target=work, name="cunwu-index", daemon=True)
    thread.start()
    return thread
