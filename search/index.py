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
the outbox replays whatever the index missed.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
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
from search.schema import build_schema

__all__ = ["ArchiveIndex", "IndexBusy", "IndexDamaged", "index_path", "rebuild"]

Record = Mapping[str, Any]
_TOC_DEBRIS = re.compile(r"^_MAIN_\d+\.toc\.[\d.]+$")
# Whoosh's default packs a segment into one compound file, and a reader of a compound file copies each
# part it opens into memory: at 100,000 documents opening a searcher copied 2 GB and took 16 s, on
# every reopen after a commit. Separate files are read from disk as needed.
SEGMENT_FILES_COMPOUND = False


class IndexBusy(RuntimeError):
    """Another process holds the index's write lock; the batch was not written."""


class IndexDamaged(RuntimeError):
    """The index cannot be opened; it has to be rebuilt from the database."""


def index_path(home: Path) -> Path:
    """Where the index of a data directory lives (``CUNWU_HOME/index``)."""
    return home / "index"


def _restore_interrupted_swap(path: Path) -> None:
    """Put the previous index back if a rebuild died between its two renames."""
    previous = path.with_name(path.name + ".old")
    if not path.exists() and previous.exists():
        previous.rename(path)


class ArchiveIndex:
    """One open index, with one searcher reused across searches and reopened after commits.

    Opening a searcher per request cost 197 ms against 14 ms for a reused one in the benchmark
    (search anchors §3.1), so searches go through :meth:`searcher`.
    """

    def __init__(self, ix: FileIndex, path: Path) -> None:
        self._ix = ix
        self.path = path
        self._searcher: Searcher | None = None
        self._items: dict[str, list[tuple[str, str]]] = {}
        self.columns = ColumnCache()

    @classmethod
    def open(cls, path: Path) -> ArchiveIndex:
        """Open the index at ``path``, creating an empty one if there is none."""
        _restore_interrupted_swap(path)
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
        """The shared searcher, reopened if a commit happened since it was opened.

        Whoosh's own ``Searcher.refresh()`` is not used: it reuses the readers of unchanged
        segment ids and then also adds the old segment objects, so a document deleted from an
        existing segment stays visible next to its replacement (measured: a re-indexed document
        was found twice). Reopening costs one index open per commit, not per search.
        """
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
            self._items.clear()
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self.columns.retain(reader.segment().segment_id() for reader, _ in self._searcher.reader().leaf_readers()
                                if reader.segment() is not None)
        return self._searcher

    def workflow_items(self, searcher: Searcher, workflow: str) -> list[tuple[str, str]]:
        """The power-list items (code, title) a flowchart serves, as stored with its records.

        Kept per searcher generation: a new definitions version may change a flowchart's items.
        """
        if workflow not in self._items:
            stored = searcher.document(workflow=workflow)
            self._items[workflow] = list(zip(stored["items"], stored["item_titles"])) if stored else []
        return self._items[workflow]

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
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with open(lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy("已有一个重建索引的进程在运行") from None
        yield


def rebuild(
    path: Path,
    documents: Iterable[Sequence[Record]],
    limitmb: int = 512,
    timeout: float = 300.0,
) -> int:
    """Build a fresh index beside ``path`` from every document's records, then swap it in.

    Searches keep using the old index until the swap. The live index's write lock is held
    throughout, so the indexer waits instead of writing into an index about to be replaced;
    whatever it could not apply stays in the outbox and is replayed onto the new index.
    The new index is given a later generation than the old one (empty commits), because
    that number is how an open :class:`ArchiveIndex` in another process notices the swap.
    Returns the number of Whoosh records written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".rebuild")
    previous = path.with_name(path.name + ".old")
    live = ArchiveIndex.open(path)
    with _exclusive(path.with_name(path.name + ".rebuild.lock")):
        lock = live._ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=timeout, delay=0.5):
            raise IndexBusy(f"检索索引正被另一个进程写入（等待 {timeout:g} 秒后放弃）")
        try:
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir()
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
            while ix.latest_generation() <= live._ix.latest_generation():
                ix.writer().commit()
            ix.close()
            shutil.rmtree(previous, ignore_errors=True)
            path.rename(previous)
            fresh.rename(path)
        finally:
            lock.release()
        live.close()
        shutil.rmtree(previous, ignore_errors=True)
    return count
