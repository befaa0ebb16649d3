"""The archive index on disk: open or create it, write batches through one writer, rebuild it.

Whoosh allows one writer per index directory, and its default is to fail at once when the lock
is taken; every write here waits up to a timeout and then raises :class:`IndexBusy`, which the
indexer treats as "try again later". The lock is ``fcntl.flock`` on ``WRITELOCK``, which the
kernel releases when the holder dies, even by SIGKILL, so a crashed indexer leaves no stale lock
on a local disk (network filesystems are not supported for the index). What a killed writer
does leave is debris: segment files of the commit it never finished, which Whoosh removes at
the next commit, and a half-written TOC temp file, which :meth:`ArchiveIndex.write` removes
while it holds the lock.

Whoosh never calls ``fsync``, so after a power cut the index may be unreadable or behind. The
database is the truth: :class:`IndexDamaged` tells the operator to run ``cunwu reindex``, and
following the change feed from the index's cursor replays whatever the index missed.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for

from search.columns import ColumnCache
from search.engine import IndexBusy, IndexDamaged, restore_interrupted_swap
from search.page import Page
from search.request import Request
from search.schema import build_schema

__all__ = ["ArchiveIndex", "IndexBusy", "IndexDamaged", "build", "hold_writes", "index_path", "open_index"]

Record = Mapping[str, Any]
_TOC_DEBRIS = re.compile(r"^_MAIN_\d+\.toc\.[\d.]+$")
# Whoosh's default packs a segment into one compound file, and a reader of a compound file copies each
# part it opens into memory: at 100,000 documents opening a searcher copied 2 GB and took 16 s, on
# every reopen after a commit. Separate files are read from disk as needed.
SEGMENT_FILES_COMPOUND = False


def index_path(home: Path) -> Path:
    """Where the index of a data directory lives (``CUNWU_HOME/index``)."""
    return home / "index"


class ArchiveIndex:
    """One open Whoosh index: a searcher per thread, reused across its searches and reopened after
    commits, so that searches run side by side and never wait for a writer.

    Opening a searcher per request cost 197 ms against 14 ms for a reused one in the benchmark
    (search anchors §3.1), so searches go through :meth:`searcher`. A Whoosh searcher may not be
    shared between threads; the column cache may (segments never change once written).
    """

    name = "whoosh"

    def __init__(self, ix: FileIndex, path: Path) -> None:
        self._ix = ix
        self.path = path
        self._local = threading.local()
        self._items: dict[tuple[int, str], list[tuple[str, str]]] = {}
        self.columns = ColumnCache()

    @classmethod
    def open(cls, path: Path) -> ArchiveIndex:
        """Open the index at ``path``, creating an empty one if there is none."""
        restore_interrupted_swap(path)
        if not any(path.glob("_MAIN_*.toc")):
            path.mkdir(parents=True, exist_ok=True)
            return cls(whoosh_index.create_in(str(path), build_schema()), path)
        try:
            ix = whoosh_index.open_dir(str(path))
        except Exception as exc:  # noqa: BLE001 - any failure to read the TOC means "rebuild"
            raise IndexDamaged(f"检索索引无法打开（{type(exc).__name__}: {exc}），请运行 cunwu reindex 重建") from exc
        if sorted(ix.schema.names()) != sorted(build_schema().names()):
            ix.close()
            raise IndexDamaged("检索索引的结构与本版本不符，请运行 cunwu reindex 重建")
        return cls(ix, path)

    def searcher(self) -> Searcher:
        """This thread's searcher, reopened if a commit happened since it was opened.

        Whoosh's own ``Searcher.refresh()`` is not used: it reuses the readers of unchanged
        segment ids and then also adds the old segment objects, so a document deleted from an
        existing segment stays visible next to its replacement (measured: a re-indexed document
        was found twice). Reopening costs one index open per commit and thread, not per search.
        """
        searcher: Searcher | None = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._local.searcher = self._ix.searcher()
            self.columns.retain(reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()
                                if reader.segment() is not None)
        return searcher

    def workflow_items(self, searcher: Searcher, workflow: str) -> list[tuple[str, str]]:
        """The power-list items (code, title) a flowchart serves, as stored with its records.

        Kept per index generation: a new definitions version may change a flowchart's items.
        """
        key = (searcher.ixreader.generation(), workflow)
        if key not in self._items:
            stored = searcher.document(workflow=workflow)
            self._items[key] = list(zip(stored["items"], stored["item_titles"])) if stored else []
        return self._items[key]

    def search(self, request: Request) -> Page:
        from search.searcher import run

        return run(self, request)

    def warm(self) -> None:
        from search.searcher import warm

        warm(self)

    def write(self, changes: Iterable[tuple[int, Sequence[Record] | None]], timeout: float = 30.0) -> int:
        """Replace each document's records (None: remove them) in one commit; returns how many.

        A document's records are deleted by ``doc_id`` before its new ones are added, so steps
        and disclosures that no longer exist disappear with the rest, and a replay is harmless.
        ``changes`` is consumed while the writer holds the lock, so a batch can be built as it
        is written instead of being held in memory; if it raises, nothing is committed. Each
        commit writes a segment, and Whoosh's default policy merges the small ones during later
        commits; the full :meth:`optimize` (minutes at scale) is left to an off-hours job.
        """
        try:
            writer = self._ix.writer(timeout=timeout, limitmb=128, compound=SEGMENT_FILES_COMPOUND)
        except LockError:
            raise IndexBusy(f"检索索引正被另一个进程写入（等待 {timeout:g} 秒后放弃）") from None
        count = 0
        try:
            self._remove_debris()
            for doc_id, records in changes:
                writer.delete_by_term("doc_id", str(doc_id))
                for record in records or ():
                    writer.add_document(**record)
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def _remove_debris(self) -> None:
        """Delete TOC temp files a killed commit left; only safe while holding the write lock."""
        for name in os.listdir(self.path):
            if _TOC_DEBRIS.match(name):
                (self.path / name).unlink(missing_ok=True)

    def versions(self) -> dict[int, int]:
        """The version of every indexed document, for the stale/missing check."""
        searcher = self.searcher()
        if searcher.doc_count_all() == 0:
            return {}
        reader = searcher.reader()
        ids = reader.column_reader("doc_id")
        versions = reader.column_reader("version")
        return {
            int(ids[docnum]): versions[docnum]
            for docnum in searcher.docs_for_query(Term("kind", "document"))
        }

    def optimize(self, timeout: float = 30.0) -> None:
        """Merge every segment into one; minutes at scale, so run it off-hours."""
        try:
            writer = self._ix.writer(timeout=timeout, compound=SEGMENT_FILES_COMPOUND)
        except LockError:
            raise IndexBusy(f"检索索引正被另一个进程写入（等待 {timeout:g} 秒后放弃）") from None
        writer.commit(optimize=True)

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
        self._ix.close()


def open_index(path: Path) -> ArchiveIndex:
    return ArchiveIndex.open(path)


@contextmanager
def hold_writes(path: Path, timeout: float) -> Iterator[None]:
    """Hold the index's write lock, so the indexer waits instead of writing into an index about to
    be replaced; whatever it could not apply is replayed onto the new index."""
    live = ArchiveIndex.open(path)
    lock = live._ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.5):
        live.close()
        raise IndexBusy(f"检索索引正被另一个进程写入（等待 {timeout:g} 秒后放弃）")
    try:
        yield
    finally:
        lock.release()
        live.close()


def build(fresh: Path, documents: Iterable[Sequence[Record]], live: Path, limitmb: int = 512) -> int:
    """Write every document's records into a new index at ``fresh``; returns the records written.

    If ``live`` is a Whoosh index, the new one is given a later generation (empty commits),
    because that number is how an open :class:`ArchiveIndex` notices that it was replaced.
    """
    ix = whoosh_index.create_in(str(fresh), build_schema())
    writer = ix.writer(limitmb=limitmb, compound=SEGMENT_FILES_COMPOUND)
    count = 0
    try:
        for records in documents:
            for record in records:
                writer.add_document(**record)
                count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    if any(live.glob("_MAIN_*.toc")):
        generation = whoosh_index.open_dir(str(live)).latest_generation()
        while ix.latest_generation() <= generation:
            ix.writer().commit()
    ix.close()
    return count
