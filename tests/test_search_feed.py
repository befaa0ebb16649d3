"""An index follows the database through the change feed with its own cursor, on every engine: the
changes after the cursor are applied once committed, a crash anywhere between a step's commit and the
cursor moving is caught up on the next run, two indexes follow one feed each at its own pace, the
check names what is missing or stale, and a rebuild starts from the database.

The feed here is a plain SQLite table (position, document id) over the generated corpus, so the
order of work is tested without a county; tests/test_search_indexer.py follows the steps table of
a real county on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

from search.criteria import Criteria
from search.engine import ENGINES, Engine, IndexBusy, IndexDamaged, engine_of, open_engine
from search.extract import BlobText
from search.feed import catch_up_feed, check, read_cursor, reindex
from search.records import records_for
from search.request import plan
from search.source import Loaded
from tests.search_corpus import Corpus, blob_reader, generate, load_registry, write_definitions

DOCUMENTS = 45
BATCH = 15
SEED = 77
REPO = Path(__file__).resolve().parent.parent
TOKENS = ["archivist@1", "*@1"]


class Feed:
    """A DocumentSource over the corpus and a change table; ``docs`` may be replaced per document."""

    def __init__(self, path: Path, corpus: Corpus) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS feed (position INTEGER PRIMARY KEY, doc_id INTEGER)")
        self.docs: dict[int, Loaded | None] = {doc.id: doc.loaded for doc in corpus.documents}
        self.failing: set[int] = set()

    def add(self, doc_ids: Sequence[int]) -> None:
        self.db.executemany("INSERT INTO feed (doc_id) VALUES (?)", [(d,) for d in doc_ids])

    def load(self, doc_ids: Sequence[int]) -> Mapping[int, Loaded]:
        loaded: dict[int, Any] = {}
        for doc_id in doc_ids:
            if doc_id in self.failing:
                loaded[doc_id] = ({"broken": True}, None, [])
            elif self.docs.get(doc_id) is not None:
                loaded[doc_id] = self.docs[doc_id]
        return loaded

    def document_ids(self) -> list[int]:
        return sorted(doc_id for doc_id, loaded in self.docs.items() if loaded is not None)

    def versions(self) -> list[tuple[int, int]]:
        return [(doc_id, self.docs[doc_id][0].version) for doc_id in self.document_ids()]

    def position(self) -> int:
        return self.db.execute("SELECT coalesce(max(position), 0) FROM feed").fetchone()[0]

    def changes(self, after: int, limit: int) -> list[tuple[int, int]]:
        return self.db.execute("SELECT position, doc_id FROM feed WHERE position > ? ORDER BY position LIMIT ?",
                               (after, limit)).fetchall()

    def pending(self, after: int) -> int:
        return self.db.execute("SELECT count(*) FROM feed WHERE position > ?", (after,)).fetchone()[0]


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_definitions(tmp_path_factory.mktemp("definitions"))


@pytest.fixture(scope="module")
def corpus(definitions: Path) -> Corpus:
    return generate(load_registry(definitions), DOCUMENTS, seed=SEED)


@pytest.fixture
def feed(tmp_path: Path, corpus: Corpus) -> Feed:
    changes = Feed(tmp_path / "feed.db", corpus)
    changes.add([doc.id for doc in corpus.documents])
    return changes


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", request.param)
    return open_engine(tmp_path / "index")


def _follow(index: Engine, feed: Feed, corpus: Corpus):
    return catch_up_feed(index, feed, BlobText(blob_reader(corpus.blobs)), batch=BATCH)


def _record_count(index: Engine, doc_id: int) -> int:
    page = index.search(plan(Criteria(), TOKENS + [f"step:{t}" for t in TOKENS] + ["public"], page_size=100))
    by_kind = index.search(plan(Criteria(kind="step"), TOKENS, page_size=100))
    return sum(hit.doc_id == doc_id for hit in page.hits + by_kind.hits)


def test_following_indexes_every_changed_document_and_moves_the_cursor(engine, feed, corpus) -> None:
    report = _follow(engine, feed, corpus)
    assert (report.applied, report.failed, read_cursor(engine.path)) == (DOCUMENTS, {}, feed.position())
    assert check(engine, feed.versions()).ok
    assert feed.pending(read_cursor(engine.path)) == 0


def test_a_document_changed_again_replaces_its_records(engine, feed, corpus) -> None:
    _follow(engine, feed, corpus)
    doc = corpus.documents[0]
    before = _record_count(engine, doc.id)
    feed.add([doc.id])
    assert _follow(engine, feed, corpus).applied == 1
    assert _record_count(engine, doc.id) == before


def test_a_newer_version_replaces_the_older_records(engine, feed, corpus) -> None:
    _follow(engine, feed, corpus)
    doc = copy.deepcopy(corpus.documents[0])
    doc.view = replace(doc.view, history=doc.view.history[:1], version=7)
    feed.docs[doc.id] = doc.loaded
    feed.add([doc.id])
    _follow(engine, feed, corpus)
    assert engine.versions()[doc.id] == 7


def test_a_deleted_document_loses_its_records(engine, feed, corpus) -> None:
    _follow(engine, feed, corpus)
    gone = corpus.documents[0].id
    feed.docs[gone] = None
    feed.add([gone])
    _follow(engine, feed, corpus)
    assert gone not in engine.versions()


def test_a_document_that_cannot_be_indexed_is_reported_and_every_other_is_applied(engine, feed, corpus) -> None:
    bad = corpus.documents[3].id
    feed.failing.add(bad)
    report = _follow(engine, feed, corpus)
    assert list(report.failed) == [bad]
    assert set(engine.versions()) == {d.id for d in corpus.documents} - {bad}
    assert check(engine, feed.versions()).missing == [bad]


def test_two_indexes_follow_one_feed_each_with_its_own_cursor(tmp_path, feed, corpus) -> None:
    first = open_engine(tmp_path / "server1" / "index")
    second = open_engine(tmp_path / "server2" / "index")
    _follow(first, feed, corpus)
    feed.add([corpus.documents[0].id])
    assert _follow(second, feed, corpus).applied == DOCUMENTS + 1
    assert _follow(first, feed, corpus).applied == 1
    assert read_cursor(first.path) == read_cursor(second.path) == feed.position()
    assert check(first, feed.versions()).ok and check(second, feed.versions()).ok


def test_check_names_missing_stale_and_orphaned_documents(engine, feed, corpus) -> None:
    _follow(engine, feed, corpus)
    database = feed.versions()[1:]
    database[0] = (database[0][0], database[0][1] + 1)
    database.append((999, 0))
    report = check(engine, database)
    first, second = corpus.documents[0], corpus.documents[1]
    assert report.to_dict() == {
        "ok": False, "missing": [999], "orphaned": [first.id],
        "stale": [{"doc_id": second.id, "index_version": second.view.version,
                   "db_version": second.view.version + 1}],
    }


@pytest.mark.parametrize("name", ENGINES)
def test_reindex_rebuilds_from_the_database_and_starts_at_the_feed_position(tmp_path, feed, corpus, name) -> None:
    stale = open_engine(tmp_path / "index")
    stale.write([(12345, None)])
    count = reindex(tmp_path / "index", feed, BlobText(blob_reader(corpus.blobs)), name)
    rebuilt = open_engine(tmp_path / "index")
    assert (rebuilt.name, engine_of(tmp_path / "index")) == (name, name)
    assert check(rebuilt, feed.versions()).ok
    assert count == rebuilt.doc_count()
    assert read_cursor(tmp_path / "index") == feed.position()


def test_reindex_moves_an_installation_to_another_engine_and_back(tmp_path, feed, corpus) -> None:
    for name in ("tantivy", "whoosh", "tantivy"):
        reindex(tmp_path / "index", feed, lambda a: "", name)
        assert open_engine(tmp_path / "index").name == name
        assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.db", "index", "index.rebuild.lock"]


def _start_child(tmp_path: Path, definitions: Path, mode: str, engine: str) -> subprocess.Popen:
    marker = tmp_path / "arrived"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.search_crash_child", str(definitions), str(tmp_path / "index"),
         str(tmp_path / "feed.db"), str(marker), mode],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), "CUNWU_SEARCH_ENGINE": engine},
        stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"crash child never arrived: {child.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    return child


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stderr.close()


@pytest.mark.parametrize("name", ENGINES)
def test_indexer_killed_while_holding_the_lock_is_caught_up(tmp_path, definitions, feed, corpus, name) -> None:
    child = _start_child(tmp_path, definitions, "during-write", name)
    index = open_engine(tmp_path / "index")
    with pytest.raises(IndexBusy):
        index.write([], timeout=0.2)
    _kill(child)
    assert set(index.versions()) == {doc.id for doc in corpus.documents[:BATCH]}
    assert read_cursor(index.path) == BATCH

    report = _follow(index, feed, corpus)
    assert (report.applied, read_cursor(index.path)) == (DOCUMENTS - BATCH, DOCUMENTS)
    assert check(index, feed.versions()).ok


@pytest.mark.parametrize("name", ENGINES)
def test_indexer_killed_before_moving_the_cursor_replays_without_duplicates(tmp_path, definitions, feed, corpus,
                                                                            name) -> None:
    _kill(_start_child(tmp_path, definitions, "before-cursor", name))
    index = open_engine(tmp_path / "index")
    assert set(index.versions()) == {doc.id for doc in corpus.documents[: 2 * BATCH]}
    assert read_cursor(index.path) == BATCH
    _follow(index, feed, corpus)
    page = index.search(plan(Criteria(), TOKENS, page_size=100))
    assert sorted(hit.doc_id for hit in page.hits) == sorted(doc.id for doc in corpus.documents)
    assert check(index, feed.versions()).ok


def test_killed_whoosh_writer_leaves_no_orphaned_files_after_catching_up(tmp_path, definitions, feed,
                                                                         corpus) -> None:
    _kill(_start_child(tmp_path, definitions, "during-write", "whoosh"))
    index = open_engine(tmp_path / "index")
    _follow(index, feed, corpus)
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    live = {reader.segment().segment_id() for reader, _ in ix.reader().leaf_readers()}
    expected = {f"_MAIN_{ix.latest_generation()}.toc", "MAIN_WRITELOCK", "CURSOR"}
    files = set(os.listdir(tmp_path / "index"))
    assert {name for name in files if not name.startswith(tuple(live))} == expected


def test_damaged_whoosh_index_asks_for_a_rebuild(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", "whoosh")
    open_engine(tmp_path / "index").close()
    toc = next((tmp_path / "index").glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x00" * 16)
    with pytest.raises(IndexDamaged, match="请运行 cunwu reindex 重建"):
        open_engine(tmp_path / "index")


def test_damaged_tantivy_index_asks_for_a_rebuild(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", "tantivy")
    open_engine(tmp_path / "index").close()
    (tmp_path / "index" / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexDamaged, match="请运行 cunwu reindex 重建"):
        open_engine(tmp_path / "index")


@pytest.mark.parametrize("name", ENGINES)
def test_rebuild_interrupted_between_its_renames_is_undone_on_open(tmp_path, feed, corpus, name) -> None:
    reindex(tmp_path / "index", feed, lambda a: "", name)
    (tmp_path / "index").rename(tmp_path / "index.old")
    assert set(open_engine(tmp_path / "index").versions()) == {doc.id for doc in corpus.documents}


def test_whoosh_index_built_with_other_fields_asks_for_a_rebuild(tmp_path) -> None:
    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), fields.Schema(uid=fields.ID(stored=True)))
    with pytest.raises(IndexDamaged, match="结构与本版本不符"):
        open_engine(tmp_path / "index")


def test_tantivy_index_of_another_layout_asks_for_a_rebuild(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", "tantivy")
    open_engine(tmp_path / "index")
    (tmp_path / "index" / "LAYOUT").write_text("0\n", encoding="utf-8")
    with pytest.raises(IndexDamaged, match="结构与本版本不符"):
        open_engine(tmp_path / "index")


def test_facet_counts_follow_later_commits(engine, corpus) -> None:
    engine.write((doc.id, records_for(*doc.loaded, lambda a: "")) for doc in corpus.documents[:20])
    engine.search(plan(Criteria(), TOKENS))
    engine.write((doc.id, records_for(*doc.loaded, lambda a: "")) for doc in corpus.documents)
    page = engine.search(plan(Criteria(), TOKENS))
    assert sum(value.count for value in page.facets["year"]) == page.total == DOCUMENTS
