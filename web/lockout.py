"""Refusing logins after repeated failures, so a password cannot be guessed online.

Failures are counted per user name in memory: `cunwu serve` is one waitress process, and a restart
clearing the count is acceptable for a delay measured in minutes. The same count covers the signing
password asked on each step, so the step form is no way around the lockout.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Callable, Optional


class Lockout:
    def __init__(self, max_failures: int, period: timedelta, clock: Callable[[], datetime]) -> None:
        self.max_failures = max_failures
        self.period = period
        self.clock = clock
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def locked_until(self, name: str) -> Optional[datetime]:
        """When the name may try again, or None if it may try now."""
        with self._lock:
            recent = self._recent(name.strip().lower())
            if len(recent) < self.max_failures:
                return None
            return recent[-1] + self.period

    def failed(self, name: str) -> None:
        with self._lock:
            key = name.strip().lower()
            self._failures[key] = self._recent(key) + [self.clock()]

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.strip().lower(), None)

    def _recent(self, key: str) -> list[datetime]:
        cutoff = self.clock() - self.period
        return [t for t in self._failures.get(key, []) if t > cutoff]
