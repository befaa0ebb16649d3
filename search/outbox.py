"""Keeping the index in step with the database, which stays the truth.

Each step writes an outbox row (outbox id, document id) in its own transaction; the one indexer
process drains the rows with :func:`apply_pending`. The order of its work is what makes a crash
harmless anywhere:

1. read a batch of pending rows;
2. load each document as it is *now* and write all its records in one index commit;
3. only then mark the rows done.

A crash before 3 leaves the rows pending, so the next run applies them again; applying is an
idempotent replace of the document's records, so a row applied twice costs time, not
correctness. A crash between the database commit and 1 is the same case. The database, the
index and the outbox are plain callables here, so this module needs neither SQLAlchemy nor a
schema, and tests run it against a real index with any store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.index import ArchiveIndex, rebuild
from search.permissions import PlaceRef
from search.records import AttachmentText, records_for
from workflow.engine.flowchart import Workflow

__all__ = ["ApplyReport", "CheckReport", "Loaded", "apply_pending", "check", "reindex"]

Loaded = tuple[Mapping[str, Any], Workflow, Sequence[PlaceRef]]
FetchPending = Callable[[int, int], Sequence[tuple[int, int]]]
Load = Callable[[int], Loaded | None]


@dataclass
class ApplyReport:
    """Outbox rows applied, and documents whose records could not be built (rows left pending)."""

    applied: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def apply_pending(
    index: ArchiveIndex,
    fetch_pending: FetchPending,
    load: Load,
    mark_done: Callable[[Sequence[int]], None],
    text_of: AttachmentText,
    batch_size: int = 100,
    timeout: float = 30.0,
) -> ApplyReport:
    """Apply every pending outbox row, oldest first, in batches.

    ``fetch_pending(after, n)`` returns up to n pending (outbox id, document id) pairs with ids
    above ``after``, oldest first; ``load(doc_id)`` returns the document's view, workflow and
    place chain, or None if the document no longer exists (its records are then deleted);
    ``mark_done(ids)`` marks rows applied. A document that cannot be loaded or turned into
    records is reported and keeps its rows pending for the next run, while the run goes on past
    it: one bad document never holds up the documents behind it. Documents are loaded while the
    write lock is held, so a batch streams into the writer and a document is never written older
    than another process has already written it. :class:`search.index.IndexBusy` propagates with
    the batch unmarked.
    """
    report = ApplyReport()

    def changes(doc_ids: Iterable[int]) -> Iterator[tuple[int, list[dict[str, Any]] | None]]:
        for doc_id in doc_ids:
            try:
                loaded = load(doc_id)
                records = None if loaded is None else records_for(*loaded, text_of)
            except Exception as exc:  # noqa: BLE001 - reported per document, the batch goes on
                report.failed[doc_id] = f"{type(exc).__name__}: {exc}"
                continue
            yield doc_id, records

    after = 0
    while entries := fetch_pending(after, batch_size):
        after = entries[-1][0]
        todo = [doc_id for doc_id in dict.fromkeys(doc_id for _, doc_id in entries) if doc_id not in report.failed]
        index.write(changes(todo), timeout=timeout)
        done = [outbox_id for outbox_id, doc_id in entries if doc_id not in report.failed]
        mark_done(done)
        report.applied += len(done)
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


def check(index: ArchiveIndex, db_versions: Iterable[tuple[int, int]]) -> CheckReport:
    """Compare the index with the database's (document id, version) pairs.

    Every step bumps a document's version, so an index version below the database's means a
    step the index has not seen. Rows still pending in the outbox show up here until applied.
    """
    indexed = index.versions()
    missing, stale, seen = [], [], set()
    for doc_id, version in db_versions:
        seen.add(doc_id)
        if doc_id not in indexed:
            missing.append(doc_id)
        elif indexed[doc_id] != version:
            stale.append((doc_id, indexed[doc_id], version))
    orphaned = sorted(set(indexed) - seen)
    return CheckReport(sorted(missing), sorted(stale), orphaned)


def reindex(path: Path, doc_ids: Iterable[int], load: Load, text_of: AttachmentText) -> int:
    """Rebuild the index at ``path`` from the database; returns the number of records written.

    Outbox rows need no special handling: rows pending during the rebuild are applied onto the
    new index afterwards, which at worst repeats work.
    """
    def documents() -> Iterable[list[dict[str, Any]]]:
        for doc_id in doc_ids:
            loaded = load(doc_id)
            if loaded is not None:
                yield records_for(*loaded, text_of)

    return rebuild(path, documents())
