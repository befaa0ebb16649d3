"""The Alembic migrations build exactly the tables the code describes, and an installation upgraded
past the index outbox (now dropped: each index follows the steps as a change feed) keeps its documents
and its archive catches up. SQLite and PostgreSQL alike."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from search import saved
from tests.conftest import PASSWORD, VILLAGE, County, make_database
from workflow.store import migrate
from workflow.store.tables import Base


def test_the_migrated_schema_matches_the_table_definitions(county: County) -> None:
    described = MetaData()
    for table in [*Base.metadata.tables.values(), *saved.metadata.tables.values()]:
        table.to_metadata(described)
    with county.db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), described) == []


def test_upgrading_past_the_index_outbox_drops_it_and_keeps_every_document(county: County) -> None:
    docs = [county.service.start("village_clerk", "F31", VILLAGE, f"{name}申请居住证明",
                                 {"applicant": name, "applicant_id": "431381198001010019",
                                  "certificate_type": "居住证明", "purpose": "子女入学"}, password=PASSWORD)
            for name in ("张三", "李四")]
    config = migrate._config()
    with county.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
        assert "index_outbox" in inspect(conn).get_table_names()
    migrate.upgrade(county.db)
    with county.db.engine.connect() as conn:
        assert "index_outbox" not in inspect(conn).get_table_names()
    assert [doc.id for doc in reversed(county.service.list())] == docs


def test_a_new_database_is_at_the_newest_revision(tmp_path: Path) -> None:
    db = make_database("sqlite", tmp_path)
    try:
        assert migrate.current(db) == migrate.head() == "0008"
    finally:
        db.dispose()
