"""Flask's own configuration defaults, and the secret key kept in a file.

What the installation decides (data directory, database, definitions, time zone, where the secret key
lives, how often the index is polled) is workflow.settings.Settings; these are the web framework's
settings. The secret key signs session cookies and CSRF tokens; it is generated once into a file only its
owner can read (by default in the data directory), so restarting the server does not sign everyone out
and no key ever lives in the source tree.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from workflow.documents.service import MAX_ATTACHMENT_BYTES

DEFAULTS: dict[str, Any] = {
    "CUNWU_SETTINGS": None,
    "CUNWU_HOME": None,
    "CUNWU_DB": None,
    "CUNWU_REGISTRY": None,
    "CUNWU_CLOCK": None,
    "CUNWU_INDEX_ON_START": False,
    "CUNWU_INDEX_POLL": 0,
    "TESTING": False,
    "MAX_CONTENT_LENGTH": MAX_ATTACHMENT_BYTES + 5 * 1024 * 1024,
    "UPLOAD_MAX_BYTES": MAX_ATTACHMENT_BYTES,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "cunwu_session",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT": timedelta(minutes=15),
    "BABEL_DEFAULT_LOCALE": "zh",
    "LANGUAGES": ("zh", "en"),
}


def secret_key(path: Path) -> bytes:
    """Read the key, creating it (mode 0600, never overwritten) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
