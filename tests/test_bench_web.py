"""The web benchmark's county: documents copied by SQL and indexed from their originals must be what
the service and the indexer would make of them, or the figures would describe another system."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select

from search.indexer import Indexer
from workflow import context as app
from workflow.store.tables import Document, Step

BASE, TOTAL = 12, 30


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_web.py"
    spec = importlib.util.spec_from_file_location("bench_web", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("bench-county")
    _bench().build(home, TOTAL, BASE, "tantivy")
    return home


def test_copies_fill_the_county_up_to_the_documents_asked_for(county: Path) -> None:
    context = app.open_context(county)
    try:
        with context.db.read() as s:
            titles = dict(s.execute(select(Document.id, Document.title)).all())
            original_steps = s.scalar(select(func.count(Step.id)).where(Step.document_id <= BASE))
            copy_steps = s.scalar(select(func.count(Step.id)).where(Step.document_id == BASE + 1))
            first_steps = s.scalar(select(func.count(Step.id)).where(Step.document_id == 1))
    finally:
        context.close()
    assert sorted(titles) == list(range(1, TOTAL + 1))
    assert [titles[i + BASE] for i in range(1, BASE + 1)] == [titles[i] + "（副本）" for i in range(1, BASE + 1)]
    assert original_steps > 0
    assert copy_steps == first_steps


def test_the_built_index_is_tantivy_and_level_with_the_database(county: Path) -> None:
    context = app.open_context(county)
    indexer = Indexer(context)
    try:
        state = indexer.check()
        name = indexer.engine.name
    finally:
        indexer.close()
        context.close()
    assert (name, state.ok, state.pending) == ("tantivy", True, 0)
