"""What every request needs from the application: the workflow context, the lockout, the diagrams.

Kept on `app.extensions` rather than in module globals, so two applications (a test's and a
benchmark's) never share state. `close` ends what the application started: it stops the background
index thread (waking it from its poll), closes the archive index and disposes of the database pool;
`cunwu serve` calls it when waitress stops.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Optional

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from web.lockout import Lockout
from workflow.context import Context
from workflow.documents.service import Service
from workflow.engine import diagram
from workflow.engine.registry import Registry
from workflow.settings import Settings
from workflow.store.blobs import BlobStore
from workflow.store.database import Database


@dataclass
class Runtime:
    """`opened` holds what is opened on first use (the archive index) and closed with the application;
    `threads` the background threads, which watch `stopping`."""

    context: Context
    lockout: Lockout
    settings: Settings
    blobs: BlobStore = field(init=False)
    opened: dict[str, Any] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.blobs = self.context.service.blobs
        self._svg = lru_cache(maxsize=1024)(self._render)

    @property
    def service(self) -> Service:
        return self.context.service

    @property
    def registry(self) -> Registry:
        return self.context.registry

    @property
    def db(self) -> Database:
        return self.context.db

    def now(self) -> datetime:
        return self.context.service.clock()

    def svg(self, workflow: str, version: int, current: Optional[str] = None,
            visited: Iterable[str] = ()) -> str:
        """Diagrams are pure functions of the definition and the highlight, and `dot` costs ~40 ms.
        Without `dot` the answer is 503 Service Unavailable: pip cannot install Graphviz, and the pages
        show a note in the diagram's place (diagram.available)."""
        if not diagram.available():
            raise ServiceUnavailable()
        return self._svg(workflow, version, current, frozenset(visited))

    def _render(self, workflow: str, version: int, current: Optional[str], visited: frozenset[str]) -> str:
        return diagram.render_svg(self.registry.get(workflow, version), current, sorted(visited))

    def close(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)
        for resource in self.opened.values():
            resource.close()
        self.context.close()


def runtime() -> Runtime:
    return current_app.extensions["cunwu"]
