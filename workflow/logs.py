"""Logging, configured once per process from the settings: one file (settings.log_file, by default
cunwu.log in the data directory, readable by its owner only) at settings.log_level, every line passed
through the redaction of passwords, database-URL credentials and password hashes.

The command line's crash report is a record in this log (`logger.exception`), not a file of its own: the
person at the terminal is told where it is and sees no traceback. Third-party chatter (bagit's progress
lines) is held to warnings.
"""
from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from workflow.redaction import redact
from workflow.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "cunwu-file"


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, the traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class PrivateFileHandler(logging.FileHandler):
    """Opened on the first record (a command that logs nothing leaves no file or directory behind),
    created readable by its owner only."""

    def _open(self) -> io.TextIOWrapper:
        path = Path(self.baseFilename)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)


def configure(settings: Settings) -> Path:
    """Point the process's logging at the settings' file; calling it again replaces the handler."""
    path = settings.log_file
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    handler = PrivateFileHandler(path, encoding="utf-8", errors="backslashreplace", delay=True)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("bagit").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path
