"""Tables and database sessions (SQLAlchemy 2.0): SQLite in WAL mode by default, any URL by choice.

Writes on SQLite take the write lock at BEGIN (BEGIN IMMEDIATE), so two writers never both read a
document and then race to update it; on PostgreSQL the document row is locked with SELECT ... FOR UPDATE.
Steps are append-only: the migration installs triggers that refuse UPDATE and DELETE on them.

The signed log (log_entries, checkpoints) is the record an auditor trusts; documents and steps are caches
derived from it for fast reading, and log_head and user_keys are working state for the writer. The
triggers are defence in depth only: a database administrator can drop them, which is why the verifier
relies on signatures and external checkpoints instead.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the backend stores."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; cunwu stores UTC only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Place(Base):
    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_places_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("places.id"))
    parent: Mapped[Optional["Place"]] = relationship(remote_side="Place.id")

    def chain(self) -> list["Place"]:
        """This place and every place above it, nearest first."""
        out, node = [], self
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def path(self) -> str:
        return "/".join(p.name for p in reversed(self.chain()))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assignments: Mapped[list["RoleAssignment"]] = relationship(back_populates="user", lazy="selectin")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "place_id", name="uq_role_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    user: Mapped[User] = relationship(back_populates="assignments")
    place: Mapped[Place] = relationship(lazy="joined")


class Document(Base):
    """``disclosed_at`` is when the document first entered a state that discloses (None until then); the
    public boards list by it, because deriving it from the steps cost a second a page at 100,000 documents."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_disclosed", "workflow_id", "disclosed_at"),
        Index("ix_documents_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64), index=True)
    workflow_version: Mapped[int] = mapped_column(Integer)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    disclosed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    definition_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    place: Mapped[Place] = relationship(lazy="joined")


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("document_id", "seq", name="uq_steps_document_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    transition: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[Optional[str]] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fields: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    log_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    actor: Mapped[User] = relationship(lazy="joined")
    attachments: Mapped[list["StepAttachment"]] = relationship(lazy="selectin", order_by="StepAttachment.id")


class Blob(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StepAttachment(Base):
    __tablename__ = "step_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"), index=True)
    slot: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))


class LogEntry(Base):
    """One leaf of the Merkle log: the exact signed envelope bytes, never re-serialised."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_input: Mapped[bytes] = mapped_column(LargeBinary)


class CheckpointNote(Base):
    """The signed checkpoint published after the append that made the log `size` long."""

    __tablename__ = "checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)


class LogHead(Base):
    """The single row appends lock and advance: size and the compact range, so appends cost O(log n)."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)


class DefinitionEntry(Base):
    """Where the log holds each installed definition version (by content hash): a cache of the log's
    definition entries, so the service finds a document's pinned rules without scanning the log."""

    __tablename__ = "definition_entries"
    __table_args__ = (Index("ix_definition_entries_workflow", "workflow_id", "version"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)


class UserKey(Base):
    """A person's signing key, sealed under their password; the log's key events are the authority."""

    __tablename__ = "user_keys"

    key_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sealed: Mapped[dict] = mapped_column(JSON)
    registered_index: Mapped[int] = mapped_column(BigInteger)
    revoked_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    revoked_reason: Mapped[Optional[str]] = mapped_column(String(32))


class VoiceTicket(Base):
    """A villager's 查询码 for a 诉求, 举报 or 异议 sent through the portal, and their contact if they gave one.

    Kept off the signed log on purpose: the log is append-only and exported to auditors, and a name and
    phone must stay erasable and out of every public page and export. Only the code's SHA-256 is kept, so
    the table does not hand out codes. A submission that repeats an open one (same village, subject and
    text) joins that document (`merged`) instead of opening another."""

    __tablename__ = "voice_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[Optional[str]] = mapped_column(String(50))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ObjectionLink(Base):
    """An 异议 document and the 公示 document it objects to."""

    __tablename__ = "objection_links"

    objection_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)


class Recusal(Base):
    """A person who may neither see nor handle a document because it is about them (the cadre a 举报
    names); written with the step that names them, so the worklist can leave the document out."""

    __tablename__ = "recusals"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
