"""The index follows the database through the outbox: pending rows are applied once committed,
a crash anywhere between a step's commit and the outbox row being marked is caught up on the
next run, the check names what is missing or stale, and a rebuild starts from the database.

The outbox here is a plain SQLite table (id, document id, done), so the drain's order of work is
tested on the generated corpus without a county; tests/test_search_indexer.py drives the same
functions through the service's own index_outbox table on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.query import Term

from search.criteria import Criteria
from search.extract import BlobText
from search.index import ArchiveIndex, IndexBusy, IndexDamaged
from search.outbox import apply_pending, check, reindex
from search.records import records_for
from search.searcher import search
from tests.search_corpus import Corpus, blob_reader, generate, load_registry, write_definitions

DOCUMENTS = 45
BATCH = 15
SEED = 77
REPO = Path(__file__).resolve().parent.parent


class Outbox:
    """The outbox table as the indexer sees it: pending rows oldest first, marked when applied."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, doc_id INTEGER, done INTEGER)")

    def add(self, doc_ids: Sequence[int]) -> None:
        self.db.executemany("INSERT INTO outbox (doc_id, done) VALUES (?, 0)", [(d,) for d in doc_ids])

    def fetch_pending(self, after: int, limit: int) -> list[tuple[int, int]]:
        return self.db.execute("SELECT id, doc_id FROM outbox WHERE done = 0 AND id > ? ORDER BY id LIMIT ?",
                               (after, limit)).fetchall()

    def mark_done(self, ids: Sequence[int]) -> None:
        self.db.executemany("UPDATE outbox SET done = 1 WHERE id = ?", [(i,) for i in ids])

    def pending_docs(self) -> set[int]:
        return {doc_id for _, doc_id in self.fetch_pending(0, 10_000)}


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_definitions(tmp_path_factory.mktemp("definitions"))


@pytest.fixture(scope="module")
def corpus(definitions: Path) -> Corpus:
    return generate(load_registry(definitions), DOCUMENTS, seed=SEED)


@pytest.fixture
def outbox(tmp_path: Path, corpus: Corpus) -> Outbox:
    box = Outbox(tmp_path / "outbox.db")
    box.add([doc.id for doc in corpus.documents])
    return box


@pytest.fixture
def index(tmp_path: Path) -> ArchiveIndex:
    return ArchiveIndex.open(tmp_path / "index")


def _load(corpus: Corpus):
    documents = corpus.by_id()
    return lambda doc_id: documents[doc_id].loaded if doc_id in documents else None


def _versions(corpus: Corpus) -> list[tuple[int, int]]:
    return [(doc.id, doc.view["version"]) for doc in corpus.documents]


def _apply(index: ArchiveIndex, outbox: Outbox, corpus: Corpus, load=None):
    return apply_pending(index, outbox.fetch_pending, load or _load(corpus), outbox.mark_done,
                         BlobText(blob_reader(corpus.blobs)), batch_size=BATCH)


def _record_count(index: ArchiveIndex, doc_id: int) -> int:
    return len(list(index.searcher().docs_for_query(Term("doc_id", str(doc_id)))))


def test_apply_indexes_every_pending_document_and_marks_it(index, outbox, corpus) -> None:
    report = _apply(index, outbox, corpus)
    assert (report.applied, report.failed, outbox.pending_docs()) == (DOCUMENTS, {}, set())
    assert check(index, _versions(corpus)).ok


def test_reapplying_a_document_replaces_its_records(index, outbox, corpus) -> None:
    _apply(index, outbox, corpus)
    doc = corpus.documents[0]
    before = _record_count(index, doc.id)
    outbox.add([doc.id])
    _apply(index, outbox, corpus)
    assert _record_count(index, doc.id) == before


def test_a_newer_version_replaces_the_older_records(index, outbox, corpus) -> None:
    _apply(index, outbox, corpus)
    doc = copy.deepcopy(corpus.documents[0])
    doc.view["history"] = doc.view["history"][:1]
    doc.view["version"] = 7
    outbox.add([doc.id])
    _apply(index, outbox, corpus, load=lambda doc_id: doc.loaded)
    assert index.versions()[doc.id] == 7
    assert _record_count(index, doc.id) == 2 + (doc.workflow.states[doc.view["history"][0]["to"]].disclose is not None)


def test_a_deleted_document_loses_its_records(index, outbox, corpus) -> None:
    _apply(index, outbox, corpus)
    gone = corpus.documents[0].id
    outbox.add([gone])
    _apply(index, outbox, corpus, load=lambda doc_id: None)
    assert _record_count(index, gone) == 0


def test_a_document_that_cannot_be_loaded_stays_pending_and_every_other_is_applied(index, outbox, corpus) -> None:
    bad = corpus.documents[3].id
    load = _load(corpus)

    def failing(doc_id: int):
        if doc_id == bad:
            raise KeyError("unknown workflow version")
        return load(doc_id)

    report = _apply(index, outbox, corpus, load=failing)
    assert report.failed == {bad: "KeyError: 'unknown workflow version'"}
    assert (report.applied, outbox.pending_docs()) == (DOCUMENTS - 1, {bad})
    assert set(index.versions()) == {d.id for d in corpus.documents} - {bad}


def test_check_names_missing_stale_and_orphaned_documents(index, outbox, corpus) -> None:
    _apply(index, outbox, corpus)
    database = _versions(corpus)[1:]
    database[0] = (database[0][0], database[0][1] + 1)
    database.append((999, 0))
    report = check(index, database)
    first, second = corpus.documents[0], corpus.documents[1]
    assert report.to_dict() == {
        "ok": False, "missing": [999], "orphaned": [first.id],
        "stale": [{"doc_id": second.id, "index_version": second.view["version"],
                   "db_version": second.view["version"] + 1}],
    }


def test_reindex_rebuilds_from_the_database(tmp_path, corpus) -> None:
    stale = ArchiveIndex.open(tmp_path / "index")
    stale.write([(12345, None)])
    stale.close()
    count = reindex(tmp_path / "index", [doc.id for doc in corpus.documents], _load(corpus),
                    BlobText(blob_reader(corpus.blobs)))
    rebuilt = ArchiveIndex.open(tmp_path / "index")
    assert check(rebuilt, _versions(corpus)).ok
    assert count == rebuilt.doc_count()


def test_rebuild_leaves_no_old_index_behind(tmp_path, corpus) -> None:
    reindex(tmp_path / "index", [doc.id for doc in corpus.documents[:5]], _load(corpus), lambda a: "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "index.rebuild.lock"]


def _start_child(tmp_path: Path, definitions: Path, mode: str) -> tuple[subprocess.Popen, Path]:
    marker = tmp_path / "arrived"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.search_crash_child", str(definitions), str(tmp_path / "index"),
         str(tmp_path / "outbox.db"), str(marker), mode],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"crash child never arrived: {child.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    return child, marker


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stderr.close()


def test_indexer_killed_while_holding_the_lock_is_caught_up(tmp_path, definitions, outbox, corpus) -> None:
    child, _ = _start_child(tmp_path, definitions, "during-write")
    index = ArchiveIndex.open(tmp_path / "index")
    with pytest.raises(IndexBusy):
        index.write([], timeout=0.2)
    _kill(child)

    first_batch = {doc.id for doc in corpus.documents[:BATCH]}
    assert set(index.versions()) == first_batch
    assert outbox.pending_docs() == {doc.id for doc in corpus.documents} - first_batch

    report = _apply(index, outbox, corpus)
    assert (report.applied, outbox.pending_docs()) == (DOCUMENTS - BATCH, set())
    assert check(index, _versions(corpus)).ok


def test_killed_writer_leaves_no_orphaned_files_after_catching_up(tmp_path, definitions, outbox, corpus) -> None:
    child, _ = _start_child(tmp_path, definitions, "during-write")
    _kill(child)
    index = ArchiveIndex.open(tmp_path / "index")
    _apply(index, outbox, corpus)
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    live = {reader.segment().segment_id() for reader, _ in ix.reader().leaf_readers()}
    expected = {f"_MAIN_{ix.latest_generation()}.toc", "MAIN_WRITELOCK"}
    files = set(os.listdir(tmp_path / "index"))
    assert {name for name in files if not name.startswith(tuple(live))} == expected


def test_indexer_killed_before_marking_replays_without_duplicates(tmp_path, definitions, outbox, corpus) -> None:
    child, _ = _start_child(tmp_path, definitions, "before-mark")
    _kill(child)
    index = ArchiveIndex.open(tmp_path / "index")
    assert set(index.versions()) == {doc.id for doc in corpus.documents[: 2 * BATCH]}
    assert len(outbox.pending_docs()) == DOCUMENTS - BATCH

    _apply(index, outbox, corpus)
    uids = [stored["uid"] for stored in index.searcher().all_stored_fields()]
    assert len(uids) == len(set(uids))
    assert check(index, _versions(corpus)).ok


def test_damaged_index_asks_for_a_rebuild(tmp_path, corpus) -> None:
    ArchiveIndex.open(tmp_path / "index").close()
    toc = next((tmp_path / "index").glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x00" * 16)
    with pytest.raises(IndexDamaged, match="请运行 cunwu reindex 重建"):
        ArchiveIndex.open(tmp_path / "index")


def test_rebuild_interrupted_between_its_renames_is_undone_on_open(tmp_path, corpus) -> None:
    reindex(tmp_path / "index", [doc.id for doc in corpus.documents[:3]], _load(corpus), lambda a: "")
    (tmp_path / "index").rename(tmp_path / "index.old")
    assert set(ArchiveIndex.open(tmp_path / "index").versions()) == {doc.id for doc in corpus.documents[:3]}


def test_an_open_index_sees_a_rebuild_that_replaced_it(tmp_path, corpus) -> None:
    load, ids = _load(corpus), [doc.id for doc in corpus.documents]
    reindex(tmp_path / "index", ids[:3], load, lambda a: "")
    reader = ArchiveIndex.open(tmp_path / "index")
    reader.searcher()
    reindex(tmp_path / "index", ids[3:6], load, lambda a: "")
    assert set(reader.versions()) == set(ids[3:6])


def test_index_built_with_other_fields_asks_for_a_rebuild(tmp_path) -> None:
    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), fields.Schema(uid=fields.ID(stored=True)))
    with pytest.raises(IndexDamaged, match="结构与本版本不符"):
        ArchiveIndex.open(tmp_path / "index")


def test_facet_counts_follow_later_commits(index, corpus) -> None:
    criteria, tokens = Criteria(), ["archivist@1", "*@1"]
    index.write((doc.id, records_for(*doc.loaded, lambda a: "")) for doc in corpus.documents[:20])
    search(index, criteria, tokens)
    index.write((doc.id, records_for(*doc.loaded, lambda a: "")) for doc in corpus.documents)
    page = search(index, criteria, tokens)
    assert sum(value.count for value in page.facets["year"]) == page.total == DOCUMENTS
