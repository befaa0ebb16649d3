"""The archive index follows the real database through its change feed (the steps table) with its own
cursor, on every engine: the indexer applies what changed, a killed indexer is caught up on restart,
two servers with their own index follow one database, the check names what the index lacks or holds
stale, a rebuild starts from the database, searches never wait for the indexer, and searches show
each person only what they may see. SQLite and PostgreSQL alike."""
from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from search.criteria import Criteria
from search.engine import ENGINES
from search.feed import read_cursor
from search.index import index_path
from search.indexer import Indexer
from search.searcher import DATE_FIELDS, FACET_FIELDS
from tests.conftest import COUNTY, PASSWORD, TOWNSHIP, VILLAGE, County
from workflow.context import Context
from workflow.documents.service import Upload
from workflow.errors import StepRefused

REPO = Path(__file__).resolve().parent.parent


def context(county: County) -> Context:
    return Context(home=county.home, db=county.db, registry=county.registry, service=county.service,
                   keyring=county.service.keyring, intake=county.intake)


@pytest.fixture(params=ENGINES)
def indexer(request: pytest.FixtureRequest, county: County, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", request.param)
    opened = Indexer(context(county))
    yield opened
    opened.close()


@pytest.fixture
def whoosh_indexer(county: County, monkeypatch: pytest.MonkeyPatch):
    """For behaviour only Whoosh has (its column cache, its segment files)."""
    monkeypatch.setenv("CUNWU_SEARCH_ENGINE", "whoosh")
    opened = Indexer(context(county))
    yield opened
    opened.close()


def start(county: County, applicant: str = "张三", purpose: str = "办理子女入学") -> int:
    return county.service.start("village_clerk", "F31", VILLAGE, f"{applicant}申请居住证明",
                                {"applicant": applicant, "applicant_id": "431381198001010019",
                                 "certificate_type": "居住证明", "purpose": purpose}, password=PASSWORD)


def issue(county: County, doc_id: int) -> None:
    """Take an F31 certificate to 已出具, the state whose certificate type is disclosed."""
    scan = Upload("certificate_scan", "证明存档.txt", "居住证明存档".encode())
    for user, transition, values, uploads in (
            ("village_clerk", "list_check", {}, ()),
            ("village_clerk", "verify", {"verification": "走访邻居王五核实属实"}, ()),
            ("party_secretary", "approve", {}, ()),
            ("seal_keeper", "stamp", {"register_no": "ZM-2026-001", "blank_document": "false"}, (scan,))):
        county.service.step(user, doc_id, transition, values, uploads, password=PASSWORD)


def pending(indexer: Indexer) -> int:
    return indexer.source.pending(read_cursor(indexer.path))


def found(indexer: Indexer, words: str, username: str | None = "village_clerk") -> list[int]:
    return [hit.doc_id for hit in indexer.search(Criteria(query=words), username).hits]


def test_a_start_and_each_step_are_one_change_each(county: County) -> None:
    indexer = Indexer(context(county))
    doc_id = start(county)
    county.service.step("village_clerk", doc_id, "list_check", {}, password=PASSWORD)
    assert [d for _, d in indexer.source.changes(0, 10)] == [doc_id, doc_id]


def test_the_source_loads_a_document_as_the_service_shows_it_with_its_place_chain(county: County) -> None:
    doc_id = start(county)
    issue(county, doc_id)
    loaded = Indexer(context(county)).source.load([doc_id, 999_999])
    view, wf, chain = loaded[doc_id]
    assert (list(loaded), view, wf, [(place.name, place.kind) for place in chain]) == (
        [doc_id], county.service.show(doc_id), county.registry.get(view.workflow, view.workflow_version),
        [(VILLAGE, "village"), (TOWNSHIP, "township"), (COUNTY, "county")])


def test_a_refused_step_is_no_change(county: County) -> None:
    indexer = Indexer(context(county))
    doc_id = start(county)
    with pytest.raises(StepRefused):
        county.service.step("village_clerk", doc_id, "approve", {}, password=PASSWORD)
    assert [d for _, d in indexer.source.changes(0, 10)] == [doc_id]


def test_following_the_feed_indexes_the_step_and_moves_the_cursor(county: County, indexer: Indexer) -> None:
    doc_id = start(county)
    county.service.step("village_clerk", doc_id, "list_check", {}, password=PASSWORD)
    county.service.step("village_clerk", doc_id, "verify", {"verification": "走访邻居王五核实属实"},
                        password=PASSWORD)
    report = indexer.apply_pending()
    assert (report.applied, report.failed, pending(indexer)) == (3, {}, 0)
    assert found(indexer, "邻居王五") == [doc_id]
    assert indexer.check().ok


def test_two_servers_on_one_database_each_keep_their_own_index(county: County, indexer: Indexer,
                                                                tmp_path: Path) -> None:
    other = Indexer(dataclasses.replace(context(county), home=tmp_path / "server2"))
    doc_id = start(county, "冯十")
    indexer.apply_pending()
    other.catch_up()
    county.service.step("village_clerk", doc_id, "list_check", {}, password=PASSWORD)
    second = start(county, "陈十一")
    assert other.apply_pending().applied == 2
    assert (found(other, "陈十一"), found(indexer, "陈十一")) == ([second], [])
    assert indexer.apply_pending().applied == 2
    assert found(indexer, "陈十一") == [second]
    assert indexer.check().ok and other.check().ok
    assert read_cursor(indexer.path) == read_cursor(other.path)
    other.close()


def test_a_search_does_not_wait_for_the_indexer(county: County, indexer: Indexer) -> None:
    first = start(county, "褚十二")
    indexer.apply_pending()
    start(county, "卫十三")
    load, loading, release = indexer.source.load, threading.Event(), threading.Event()

    def held(doc_ids):
        loading.set()
        release.wait(30)
        return load(doc_ids)

    indexer.source.load = held  # type: ignore[method-assign]
    writer = threading.Thread(target=indexer.apply_pending)
    writer.start()
    try:
        assert loading.wait(30)
        began = time.monotonic()
        assert found(indexer, "褚十二") == [first]
        assert time.monotonic() - began < 5
    finally:
        release.set()
        writer.join(30)
    assert found(indexer, "卫十三") != []


def test_warming_reads_every_whoosh_segments_facet_and_date_columns(county: County, whoosh_indexer: Indexer) -> None:
    indexer = whoosh_indexer
    start(county)
    indexer.apply_pending()
    start(county)
    indexer.apply_pending()
    indexer.warm()
    index = indexer.engine
    segments = [reader.segment().segment_id() for reader, _ in index.searcher().reader().leaf_readers()]
    assert len(segments) == 2
    assert index.columns.held() == {(segment, name) for segment in segments for name in FACET_FIELDS + DATE_FIELDS}


def test_whoosh_segments_are_written_as_separate_files_not_compound_ones(county: County,
                                                                          whoosh_indexer: Indexer) -> None:
    indexer = whoosh_indexer
    start(county)
    indexer.reindex()
    start(county)
    indexer.apply_pending()
    path = index_path(county.home)
    assert (list(path.glob("*.seg")), len(list(path.glob("MAIN_*.pst")))) == ([], 2)


def test_check_names_the_pending_and_stale_documents(county: County, indexer: Indexer) -> None:
    first, second = start(county, "张三"), start(county, "李四")
    indexer.apply_pending()
    county.service.step("village_clerk", second, "list_check", {}, password=PASSWORD)
    third = start(county, "王五")
    state = indexer.check()
    assert state.to_dict() == {"ok": False, "pending": 2, "missing": [third],
                               "stale": [{"doc_id": second, "index_version": 0, "db_version": 1}],
                               "orphaned": []}
    assert first not in state.report.missing


def test_reindex_rebuilds_a_lost_index_from_the_database(county: County, indexer: Indexer) -> None:
    doc_id = start(county, "赵六")
    indexer.apply_pending()
    indexer.close()
    shutil.rmtree(index_path(county.home))
    assert indexer.check().report.missing == [doc_id]
    indexer.reindex()
    assert (found(indexer, "赵六"), indexer.check().ok) == ([doc_id], True)


def test_reindex_covers_the_changes_made_before_it(county: County, indexer: Indexer) -> None:
    start(county)
    indexer.reindex()
    assert (pending(indexer), indexer.check().ok) == (0, True)


@pytest.mark.parametrize("target", ENGINES)
def test_reindex_with_another_engine_moves_the_installation(county: County, indexer: Indexer, target: str) -> None:
    doc_id = start(county, "蒋十四")
    indexer.catch_up()
    indexer.reindex(target)
    assert (indexer.engine.name, found(indexer, "蒋十四"), indexer.check().ok) == (target, [doc_id], True)


def test_catch_up_fills_an_empty_index_with_every_document(county: County, indexer: Indexer) -> None:
    docs = [start(county, name) for name in ("张三", "李四")]
    assert indexer.catch_up() == 2
    assert sorted(found(indexer, "申请居住证明")) == docs


def test_a_cadre_of_another_village_finds_nothing_of_this_village(county: County, indexer: Indexer) -> None:
    start(county, "钱七")
    indexer.apply_pending()
    assert (found(indexer, "钱七"), found(indexer, "钱七", "outsider_village")) == ([1], [])


def test_the_public_finds_only_disclosed_documents_and_never_their_names(county: County, indexer: Indexer) -> None:
    pending_doc, issued = start(county, "孙八"), start(county, "周九")
    issue(county, issued)
    indexer.apply_pending()
    assert found(indexer, "居住证明", None) == [issued]
    assert (found(indexer, "孙八", None), found(indexer, "周九", None)) == ([], [])
    assert pending_doc in found(indexer, "居住证明")


def test_a_killed_indexer_is_caught_up_on_restart(county: County, indexer: Indexer, tmp_path: Path) -> None:
    """The steps are committed; the indexer dies with the index's write lock held; the cursor never
    moved, so the next run indexes everything."""
    docs = [start(county, name) for name in ("甲一", "乙二", "丙三")]
    assert indexer.engine.doc_count() == 0
    marker = tmp_path / "arrived"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.search_indexer_child", str(county.home), county.db.url, str(marker)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the indexer child exited before reaching the crash point"
            assert time.monotonic() < deadline, "the indexer child never reached the crash point"
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert pending(indexer) == 3
    report = indexer.apply_pending(timeout=5)
    assert (report.applied, pending(indexer)) == (3, 0)
    assert [found(indexer, name) for name in ("甲一", "乙二", "丙三")] == [[doc] for doc in docs]
    assert indexer.check().ok
