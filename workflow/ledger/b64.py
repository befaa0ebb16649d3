"""Standard padded base64 in its one canonical spelling, for every signed or sealed format in the ledger.

Decoding refuses every other spelling of the same bytes (no padding, whitespace, non-zero unused bits),
so a record's bytes and its text pair one to one: an attacker cannot change a signed text without
changing its bytes. Each format reports the refusal as its own error type, naming the field.
"""
from __future__ import annotations

import binascii
from typing import Optional


def encode(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def decode(value: object, what: str, error: type[ValueError], size: Optional[int] = None) -> bytes:
    """The bytes of `value`, or `error` naming `what`: not a string, not base64, not canonical, or not
    `size` bytes long."""
    if not isinstance(value, str):
        raise error(f"{what} must be a base64 string")
    try:
        raw = binascii.a2b_base64(value, strict_mode=True)
    except ValueError:
        raise error(f"{what} is not valid base64") from None
    if encode(raw) != value:
        raise error(f"{what} is not canonical base64")
    if size is not None and len(raw) != size:
        raise error(f"{what} must be {size} bytes, got {len(raw)}")
    return raw


def canonical_bytes(text: bytes) -> Optional[bytes]:
    """The bytes `text` spells canonically, or None: the verifier's fast path asks this of every signature
    and hands a None to the full parser, which names the fault."""
    try:
        raw = binascii.a2b_base64(text, strict_mode=True)
    except ValueError:
        return None
    return raw if binascii.b2a_base64(raw, newline=False) == text else None
