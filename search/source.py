"""What the archive index needs of the record, as a protocol: workflow offers it
(``workflow.documents.index_source.DocumentSource``), and search never reads workflow's tables.

A change feed position is an increasing integer; each index keeps its own cursor into the feed
(see :mod:`search.feed`), so several servers can each keep an index in step with one database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from search.permissions import PlaceRef
from workflow.documents.views import DocumentView
from workflow.engine.flowchart import Workflow

__all__ = ["DocumentSource", "Loaded"]

Loaded = tuple[DocumentView, Workflow, Sequence[PlaceRef]]


class DocumentSource(Protocol):
    def load(self, doc_ids: Sequence[int]) -> Mapping[int, Loaded]:
        """The documents of ``doc_ids`` that exist, as ``Service.show`` shows them, with their
        flowchart version and place chain (nearest first)."""
        ...

    def document_ids(self) -> list[int]:
        ...

    def versions(self) -> list[tuple[int, int]]:
        """(document id, version) of every document."""
        ...

    def position(self) -> int:
        """The newest position of the change feed."""
        ...

    def changes(self, after: int, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` (position, document id) pairs after ``after``, oldest first."""
        ...

    def pending(self, after: int) -> int:
        """How many changes lie after ``after``."""
        ...
