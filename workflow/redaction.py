"""Secrets kept out of everything cunwu writes for an administrator to read (the crash log, and any log
handler that formats tracebacks): database URL passwords, key=value passwords, and Argon2 hashes.

A crash log records the command line and the traceback; `--db postgresql+psycopg://user:pw@host/db`
puts a password on the one and a failed insert can put a person's Argon2 hash in the other. Statement
parameters are never formatted into errors in the first place (store.database creates every engine with
hide_parameters); this is the second line, over the finished text.
"""
from __future__ import annotations

import re

HIDDEN = "***"

_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]*:)\S+(@)")
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$[A-Za-z0-9$=,+/.]+")
_ASSIGNED = re.compile(r"(?i)\b(password|passwd|pwd|secret|token)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&)]+)")


def redact(text: str) -> str:
    """`text` with every password, secret and password hash replaced by ***."""
    text = _URL_PASSWORD.sub(rf"\1{HIDDEN}\2", text)
    text = _ARGON2.sub(f"$argon2{HIDDEN}", text)
    return _ASSIGNED.sub(rf"\1\2{HIDDEN}", text)
