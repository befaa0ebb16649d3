"""The append-only Merkle log in the database: appends, signed checkpoints, inclusion and consistency proofs.

Every record of every document, and every key event, is one leaf of one RFC 9162 tree. An append runs
inside the caller's transaction: it locks the head row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE already serialises writers), stores the leaf at index `size`, advances the compact range
and signs a C2SP checkpoint for the new size. If anything later in the transaction fails, all of it rolls
back together, so the log never holds a leaf without its checkpoint or a checkpoint without its leaf.

The head row is the writer's working state only. Auditors recompute the tree from the leaves (see
workflow.verify) and compare it with checkpoints held outside the server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from workflow.errors import Conflict
from workflow.ledger import merkle, notes
from workflow.ledger.records import Observed, check_origin
from workflow.store.tables import CheckpointNote, LogEntry, LogHead

HEAD_ID = 1


@dataclass(frozen=True)
class LogKey:
    """The key that signs this log's checkpoints; its note key name is the log origin."""

    origin: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_origin(self.origin)

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def vkey(self) -> str:
        """The verifier key string an auditor pins (`name+keyid+base64`)."""
        return notes.format_verifier_key(self.origin, self.public_key)

    @property
    def verifier(self) -> notes.NoteVerifier:
        return notes.NoteVerifier(self.origin, self.public_key)

    def sign(self, size: int, root: bytes) -> str:
        return notes.sign_checkpoint(notes.Checkpoint(self.origin, size, root), self.origin, self.private_key)


@dataclass(frozen=True)
class Head:
    """The log as the writer holding the lock sees it."""

    frontier: merkle.Frontier

    @property
    def size(self) -> int:
        return self.frontier.size

    @property
    def root(self) -> bytes:
        return merkle.frontier_root(self.frontier)

    @property
    def observed(self) -> Observed:
        """What a record signed now attests to: the log it is about to extend."""
        return Observed(self.size, self.root)


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes
    checkpoint: str


def head(session: Session, *, lock: bool) -> Head:
    """Read the head; with lock=True, hold it until the transaction ends so no other append interleaves."""
    query = select(LogHead).where(LogHead.id == HEAD_ID)
    if lock and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise RuntimeError("log_head row is missing; the schema was not created by the migrations")
    hashes = tuple(row.frontier[i:i + merkle.HASH_SIZE] for i in range(0, len(row.frontier), merkle.HASH_SIZE))
    return Head(merkle.Frontier(row.size, hashes))


def append(session: Session, key: LogKey, leaf_input: bytes, at: Head) -> Appended:
    """Store `leaf_input` at index at.size and sign the new checkpoint.

    `at` must be the head read under lock in this transaction (records sign its size and root); the
    compare-and-set on the size refuses an append whose head moved underneath it.
    """
    index = at.size
    leaf = merkle.leaf_hash(leaf_input)
    after = merkle.frontier_append(at.frontier, leaf)
    moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE gives a CursorResult
        update(LogHead).where(LogHead.id == HEAD_ID, LogHead.size == index)
        .values(size=after.size, frontier=b"".join(after.hashes))
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict("签名日志已被其他操作推进，请重试")
    note = key.sign(after.size, merkle.frontier_root(after))
    session.add(LogEntry(idx=index, leaf_input=leaf_input))
    session.add(CheckpointNote(size=after.size, note=note))
    session.flush()
    return Appended(index, leaf, note)


def leaf(session: Session, index: int) -> bytes:
    value = session.scalar(select(LogEntry.leaf_input).where(LogEntry.idx == index))
    if value is None:
        raise LookupError(f"log entry {index} does not exist")
    return value


def entries(session: Session, start: int = 0, stop: Optional[int] = None,
            batch: int = 2000) -> Iterator[tuple[int, bytes]]:
    """(index, leaf) in index order, streamed so a long log never sits in memory at once."""
    query = select(LogEntry.idx, LogEntry.leaf_input).where(LogEntry.idx >= start).order_by(LogEntry.idx)
    if stop is not None:
        query = query.where(LogEntry.idx < stop)
    for index, data in session.execute(query.execution_options(yield_per=batch)):
        yield index, bytes(data)


def latest_checkpoint(session: Session) -> Optional[str]:
    return session.scalar(select(CheckpointNote.note).order_by(CheckpointNote.size.desc()).limit(1))


@dataclass(frozen=True)
class LatestCheckpoint:
    """The newest signed checkpoint: the note as stored (to hand out as an anchor) and what it says."""

    note: str
    checkpoint: notes.Checkpoint


def latest_parsed(session: Session) -> Optional[LatestCheckpoint]:
    """The newest checkpoint parsed, or None when the log has none; notes.CheckpointError when the stored
    note does not parse (its signature is the verifier's business, not checked here)."""
    note = latest_checkpoint(session)
    if note is None:
        return None
    return LatestCheckpoint(note, notes.parse_checkpoint(notes.parse_note(note).text))


def leaf_hashes(session: Session, size: int) -> list[bytes]:
    """All leaf hashes of the first `size` entries; refuses a log with holes rather than prove a wrong tree."""
    hashes: list[bytes] = []
    for index, data in entries(session, 0, size):
        if index != len(hashes):
            raise LookupError(f"log entry {len(hashes)} is missing")
        hashes.append(merkle.leaf_hash(data))
    if len(hashes) != size:
        raise LookupError(f"the log holds {len(hashes)} entries, fewer than {size}")
    return hashes


@dataclass(frozen=True)
class Tree:
    """The leaf hashes of a log prefix, for building proofs against a checkpoint of that size."""

    hashes: tuple[bytes, ...]

    @classmethod
    def load(cls, session: Session, size: int) -> "Tree":
        return cls(tuple(leaf_hashes(session, size)))

    @property
    def size(self) -> int:
        return len(self.hashes)

    @property
    def root(self) -> bytes:
        return merkle.root_hash(self.hashes)

    def inclusion(self, index: int) -> list[bytes]:
        return merkle.inclusion_proof(self.hashes, index)

    def consistency(self, old_size: int) -> list[bytes]:
        return merkle.consistency_proof(self.hashes, old_size)
