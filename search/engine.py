"""The one interface every archive search engine offers, and which engine an installation runs.

An engine holds the index records of :mod:`search.records` and answers a
:class:`search.request.Request` with a :class:`search.page.Page`; everything above it (the
indexer, the command line, the web) sees only this interface, and one conformance suite
(tests/test_search_conformance.py) holds every engine to the same hits, totals, facets and
snippets.

- ``whoosh`` (pure Python, :mod:`search.index`): the embedded default; nothing to install, fine
  for one village or a township (up to some tens of thousands of documents).
- ``tantivy`` (Rust, :mod:`search.tantivy_index`): the engine for a county; builds and searches
  one to two orders of magnitude faster, searches run in parallel outside the GIL.

The engine is named by a file ``ENGINE`` inside the index directory, so that a rebuild with
another engine (``cunwu reindex --engine NAME``) moves the installation with the same atomic swap
that replaces the index. An index directory without it is a Whoosh index (installations made
before there was a choice). A new installation gets the engine its settings name
(``workflow.settings.Settings.search_engine``, passed in by the command line and the web), else
``CUNWU_SEARCH_ENGINE``, else Whoosh.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

from search.page import Page
from search.request import Request

__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "IndexBusy", "IndexDamaged", "Record", "engine_of",
           "open_engine", "rebuild"]

Record = Mapping[str, Any]
ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"
MARKER = "ENGINE"


class IndexBusy(RuntimeError):
    """Another process holds the index's write lock; the batch was not written."""


class IndexDamaged(RuntimeError):
    """The index cannot be opened; it has to be rebuilt from the database."""


class Engine(Protocol):
    """An open index. Searches may run from many threads at once and never wait for a write."""

    name: str
    path: Path

    def write(self, changes: Iterable[tuple[int, Sequence[Record] | None]], timeout: float = 30.0) -> int:
        """Replace each document's records (None: remove them) in one commit; returns how many
        documents. :class:`IndexBusy` when another process holds the write lock past ``timeout``."""
        ...

    def search(self, request: Request) -> Page:
        ...

    def versions(self) -> dict[int, int]:
        """The version of every indexed document, for the stale/missing check."""
        ...

    def doc_count(self) -> int:
        """Index records (documents, steps and public records together)."""
        ...

    def warm(self) -> None:
        """Read whatever the first search would otherwise wait for."""
        ...

    def close(self) -> None:
        ...


def _check_name(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"未知的检索引擎“{name}”，可选：{'、'.join(ENGINES)}")
    return name


def engine_of(path: Path, new: str | None = None) -> str:
    """The engine of the index at ``path``; for a path with no index yet, the one to create: ``new``,
    else CUNWU_SEARCH_ENGINE's, else the default."""
    restore_interrupted_swap(path)
    marker = path / MARKER
    if marker.exists():
        return _check_name(marker.read_text(encoding="utf-8").strip())
    if path.exists() and any(path.glob("_MAIN_*.toc")):
        return "whoosh"
    if (path / "meta.json").exists():
        return "tantivy"
    return _check_name(new or os.environ.get("CUNWU_SEARCH_ENGINE", "").strip() or DEFAULT_ENGINE)


def _module(name: str) -> Any:
    if name == "tantivy":
        from search import tantivy_index
        return tantivy_index
    from search import index
    return index


def open_engine(path: Path, new: str | None = None) -> Engine:
    """Open the index at ``path`` with its engine, creating an empty one of ``new`` (see
    :func:`engine_of`) if there is none."""
    index: Engine = _module(engine_of(path, new)).open_index(path)
    return index


def restore_interrupted_swap(path: Path) -> None:
    """Put the previous index back if a rebuild died between its two renames."""
    previous = path.with_name(path.name + ".old")
    if not path.exists() and previous.exists():
        previous.rename(path)


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with open(lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy("已有一个重建索引的进程在运行") from None
        yield


def rebuild(path: Path, documents: Iterable[Sequence[Record]], engine: str | None = None,
            timeout: float = 300.0, files: Mapping[str, str] | None = None) -> int:
    """Build a fresh index of ``engine`` (default: the current one) beside ``path`` from every
    document's records, then swap it in; returns the number of index records written.

    Searches keep using the old index until the swap. The live index's write lock is held
    throughout, so the indexer waits instead of writing into an index about to be replaced; the
    changes it could not apply are replayed onto the new index. The swap is two renames; an open
    index notices it by the directory's identity (see :class:`search.indexer.Indexer`). ``files``
    are written into the new index directory before the swap (the change feed cursor).
    """
    restore_interrupted_swap(path)
    name = _check_name(engine) if engine else engine_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".rebuild")
    previous = path.with_name(path.name + ".old")
    with _exclusive(path.with_name(path.name + ".rebuild.lock")):
        live = path.exists() and any(path.iterdir())
        with _module(engine_of(path)).hold_writes(path, timeout) if live else nullcontext():
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir()
            count: int = _module(name).build(fresh, documents, path)
            write_marker(fresh, name)
            for filename, content in (files or {}).items():
                (fresh / filename).write_text(content, encoding="utf-8")
            shutil.rmtree(previous, ignore_errors=True)
            if path.exists():
                path.rename(previous)
            fresh.rename(path)
        shutil.rmtree(previous, ignore_errors=True)
    return count


def write_marker(path: Path, name: str) -> None:
    (path / MARKER).write_text(name + "\n", encoding="utf-8")
