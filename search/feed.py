"""Keeping an index in step with the database, which stays the truth, by following its change feed.

Every start and step is a change at a new, increasing position of the feed (see
:mod:`search.source`). An index keeps its own cursor: the position up to which it has written
every changed document. Following the feed is, in this order:

1. read the changes after the cursor, a batch at a time;
2. load each changed document as it is *now* and write all its records in one index commit;
3. only then move the cursor past the batch (a file ``CURSOR`` in the index directory).

A crash before 3 leaves the cursor where it was, so the next run writes the same documents
again; writing is an idempotent replace of the document's records, so a change applied twice costs
time, not correctness. Nothing is ever removed from the feed, so any number of indexes (one per
web server, all on one PostgreSQL) follow it side by side, each at its own pace, and a new server
starts with a rebuild that records the position it started from.

Documents are loaded while the index's write lock is held (``changes`` is consumed inside the
engine's write), so one process never writes a document older than another has already written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.engine import Engine, rebuild
from search.records import AttachmentText, records_for
from search.source import DocumentSource

__all__ = ["ApplyReport", "CheckReport", "Recipe", "SourcedDocuments", "catch_up_feed", "check", "read_cursor",
           "records_in_worker", "refresh", "reindex", "write_cursor"]

CURSOR = "CURSOR"
BATCH = 200


@dataclass
class ApplyReport:
    """Changes applied, and documents whose records could not be built (their old records stay and
    ``cunwu search --check`` names them stale until a later change or a rebuild succeeds)."""

    applied: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def read_cursor(path: Path) -> int:
    """The feed position an index has written up to; 0 for an index that never recorded one."""
    try:
        return int((path / CURSOR).read_text(encoding="ascii").strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def write_cursor(path: Path, position: int) -> None:
    """Record the cursor by an atomic rename, so a crash leaves the old or the new one, never half."""
    temporary = path / f".{CURSOR}.{os.getpid()}"
    temporary.write_text(f"{position}\n", encoding="ascii")
    os.replace(temporary, path / CURSOR)


def _records(source: DocumentSource, doc_ids: Sequence[int], text_of: AttachmentText,
             report: ApplyReport) -> Iterator[tuple[int, list[dict[str, Any]] | None]]:
    """The documents' records; loaded when the engine starts consuming, that is, under its write lock."""
    loaded = source.load(doc_ids)
    for doc_id in doc_ids:
        try:
            records = records_for(*loaded[doc_id], text_of) if doc_id in loaded else None
        except Exception as exc:  # noqa: BLE001 - reported per document, the batch goes on
            report.failed[doc_id] = f"{type(exc).__name__}: {exc}"
            continue
        yield doc_id, records


def catch_up_feed(engine: Engine, source: DocumentSource, text_of: AttachmentText, timeout: float = 30.0,
                  batch: int = BATCH) -> ApplyReport:
    """Write every document changed after the index's cursor, oldest change first, and move the
    cursor; :class:`search.engine.IndexBusy` propagates with the cursor where it was."""
    report = ApplyReport()
    cursor = read_cursor(engine.path)
    while changes := source.changes(cursor, batch):
        doc_ids = list(dict.fromkeys(doc_id for _, doc_id in changes))
        engine.write(_records(source, doc_ids, text_of, report), timeout=timeout)
        cursor = changes[-1][0]
        write_cursor(engine.path, cursor)
        report.applied += len(changes)
    return report


def refresh(engine: Engine, source: DocumentSource, doc_ids: Sequence[int], text_of: AttachmentText,
            timeout: float = 30.0) -> ApplyReport:
    """Rewrite these documents' records (removing those of documents that no longer exist)."""
    report = ApplyReport()
    for start in range(0, len(doc_ids), BATCH):
        engine.write(_records(source, doc_ids[start:start + BATCH], text_of, report), timeout=timeout)
    return report


@dataclass(frozen=True)
class CheckReport:
    """Documents the index lacks, holds at another version, or holds though the database does not."""

    missing: list[int]
    stale: list[tuple[int, int, int]]
    orphaned: list[int]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "missing": self.missing,
            "stale": [{"doc_id": d, "index_version": i, "db_version": v} for d, i, v in self.stale],
            "orphaned": self.orphaned,
        }


def check(engine: Engine, db_versions: Iterable[tuple[int, int]]) -> CheckReport:
    """Compare the index with the database's (document id, version) pairs.

    Every step bumps a document's version, so an index version below the database's means a
    step the index has not seen. Changes still ahead of the cursor show up here until applied.
    """
    indexed = engine.versions()
    missing, stale, seen = [], [], set()
    for doc_id, version in db_versions:
        seen.add(doc_id)
        if doc_id not in indexed:
            missing.append(doc_id)
        elif indexed[doc_id] != version:
            stale.append((doc_id, indexed[doc_id], version))
    orphaned = sorted(set(indexed) - seen)
    return CheckReport(sorted(missing), sorted(stale), orphaned)


@dataclass(frozen=True)
class Recipe:
    """How another process opens the same database to read documents itself (a rebuild's workers)."""

    home: Path
    db_url: str
    definitions: Path


class SourcedDocuments:
    """Every document's records, read from the database a batch at a time: iterated here, or, when
    a :class:`Recipe` is given, read and prepared by worker processes each reading its own batches
    (loading a document and making its records costs more than indexing them)."""

    def __init__(self, source: DocumentSource, doc_ids: Sequence[int], text_of: AttachmentText,
                 recipe: Recipe | None = None, batch: int = 500) -> None:
        self.source, self.doc_ids, self.text_of, self.recipe, self.batch = source, doc_ids, text_of, recipe, batch

    def batches(self) -> Iterator[list[int]]:
        for start in range(0, len(self.doc_ids), self.batch):
            yield list(self.doc_ids[start:start + self.batch])

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        for doc_ids in self.batches():
            loaded = self.source.load(doc_ids)
            for doc_id in doc_ids:
                if doc_id in loaded:
                    yield records_for(*loaded[doc_id], self.text_of)


_opened: dict[Recipe, tuple[DocumentSource, AttachmentText]] = {}


def records_in_worker(recipe: Recipe, doc_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The records of these documents, read by a worker process through its own connection."""
    if recipe not in _opened:
        from search.extract import BlobText
        from workflow.context import open_database
        from workflow.documents.index_source import DocumentSource as DatabaseSource
        from workflow.engine import registry as registry_mod
        from workflow.store.blobs import BlobStore

        db = open_database(recipe.home, recipe.db_url)
        _opened[recipe] = (DatabaseSource(db, registry_mod.load([recipe.definitions])),
                           BlobText(BlobStore(recipe.home / "blobs").get))
    source, text_of = _opened[recipe]
    loaded = source.load(doc_ids)
    return [record for doc_id in doc_ids if doc_id in loaded for record in records_for(*loaded[doc_id], text_of)]


def reindex(path: Path, source: DocumentSource, text_of: AttachmentText, engine: str | None = None,
            recipe: Recipe | None = None) -> int:
    """Rebuild the index at ``path`` from the database; returns the number of records written.

    The feed position is read before any document is loaded and becomes the new index's cursor:
    every change up to it is in the documents as loaded, and changes made during the rebuild are
    applied onto the new index afterwards, which at worst repeats work.
    """
    position = source.position()
    return rebuild(path, SourcedDocuments(source, source.document_ids(), text_of, recipe), engine,
                   files={CURSOR: f"{position}\n"})
