"""The Alembic migrations build exactly the tables the code describes, and upgrading an existing
installation to the index outbox queues every document it already has, so its archive index
catches up without a manual rebuild. SQLite and PostgreSQL alike."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, select

from search import saved
from tests.conftest import PASSWORD, VILLAGE, County, make_database
from workflow.store import migrate
from workflow.store.tables import Base, IndexOutbox


def test_the_migrated_schema_matches_the_table_definitions(county: County) -> None:
    described = MetaData()
    for table in [*Base.metadata.tables.values(), *saved.metadata.tables.values()]:
        table.to_metadata(described)
    with county.db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), described) == []


def test_upgrading_to_the_index_outbox_queues_every_existing_document(county: County) -> None:
    docs = [county.service.start("village_clerk", "F31", VILLAGE, f"{name}申请居住证明",
                                 {"applicant": name, "applicant_id": "431381198001010019",
                                  "certificate_type": "居住证明", "purpose": "子女入学"}, password=PASSWORD)
            for name in ("张三", "李四")]
    config = migrate._config()
    with county.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    migrate.upgrade(county.db)
    with county.db.read() as s:
        assert list(s.scalars(select(IndexOutbox.document_id).order_by(IndexOutbox.document_id))) == docs


def test_a_new_database_is_at_the_newest_revision(tmp_path: Path) -> None:
    db = make_database("sqlite", tmp_path)
    try:
        assert migrate.current(db) == migrate.head() == "0006"
    finally:
        db.dispose()
