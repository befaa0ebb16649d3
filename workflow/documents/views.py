"""What the service tells about documents, as frozen values: a document, its steps, and the actions a
person is offered with what each needs or why it is refused.

Every interface reads these (the CLI, the web pages, the archive indexer, the demo), so they are typed
once here instead of as dictionaries read by key in each of them. `to_json()` gives the `--json` form,
which scripts depend on: its keys, their order and their values are the contract, pinned by
tests/test_cli_snapshots.py. Times are aware datetimes here and ISO 8601 strings in JSON.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow.messages import Message

__all__ = ["AttachmentView", "DocumentSummary", "DocumentView", "Offer", "Slot", "StepView"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class AttachmentView:
    """A file given with a step, known by its SHA-256 in the blob store."""

    slot: str
    filename: str
    sha256: str
    size: int
    media_type: str

    def to_json(self) -> dict[str, Any]:
        return {"slot": self.slot, "filename": self.filename, "sha256": self.sha256, "size": self.size,
                "media_type": self.media_type}


@dataclass(frozen=True)
class StepView:
    """One step of a document's history as the steps table caches it (the signed record is the truth;
    the verifier and the signature status compare the two)."""

    seq: int
    transition: str
    title: str
    kind: str
    from_state: str | None
    to_state: str
    actor: str
    actor_name: str
    role: str
    role_title: str
    at: datetime
    fields: Mapping[str, Any]
    comment: str | None
    log_index: int | None
    attachments: tuple[AttachmentView, ...]
    late: bool = False
    """Taken after a binding time limit of the state it left ran out (the source records it as late)."""

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "transition": self.transition, "title": self.title, "kind": self.kind,
                "from": self.from_state, "to": self.to_state, "actor": self.actor, "actor_name": self.actor_name,
                "role": self.role, "role_title": self.role_title, "at": self.at.isoformat(),
                "fields": dict(self.fields), "comment": self.comment, "log_index": self.log_index,
                "attachments": [a.to_json() for a in self.attachments], "late": self.late}


@dataclass(frozen=True)
class Slot:
    """An attachment an action asks for."""

    name: str
    title: str
    required: bool

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "required": self.required}


@dataclass(frozen=True)
class Offer:
    """An action leaving the document's state, as one person sees it: allowed, or refused with every
    reason (coded Messages); the fields and attachments it needs."""

    id: str
    title: str
    kind: str
    to: str
    to_title: str
    allowed: bool
    reasons: tuple[Message, ...]
    fields: tuple[Mapping[str, Any], ...]
    attachments: tuple[Slot, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "to": self.to, "to_title": self.to_title,
                "allowed": self.allowed, "reasons": list(self.reasons), "fields": [dict(f) for f in self.fields],
                "attachments": [a.to_json() for a in self.attachments]}


@dataclass(frozen=True)
class DocumentSummary:
    """A document as a list shows it: where it is, which flowchart version, which state, its fields."""

    id: int
    title: str
    workflow: str
    workflow_version: int
    workflow_title: str
    code: str
    place: str
    state: str
    state_title: str
    final: bool
    version: int
    data: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "workflow": self.workflow,
                "workflow_version": self.workflow_version, "workflow_title": self.workflow_title,
                "code": self.code, "place": self.place, "state": self.state, "state_title": self.state_title,
                "final": self.final, "version": self.version, "data": dict(self.data),
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
                "due_at": _iso(self.due_at)}


@dataclass(frozen=True)
class DocumentView(DocumentSummary):
    """A document with its history and the states it has been in; `actions` only when shown to a
    person (None otherwise, and then absent from the JSON)."""

    history: tuple[StepView, ...] = ()
    visited: tuple[str, ...] = ()
    actions: tuple[Offer, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["history"] = [h.to_json() for h in self.history]
        out["visited"] = list(self.visited)
        if self.actions is not None:
            out["actions"] = [a.to_json() for a in self.actions]
        return out
