"""Canonical JSON (RFC 8785 / JCS) for everything that gets signed or hashed.

A signature covers bytes, so every party must derive the same bytes from the same data.
Serialisation is delegated to the `rfc8785` package; this module adds the schema policy
for signed payloads on top of JCS:

* no floats: money is integer fen or a decimal string, because float text differs
  between languages and loses precision;
* integers within ±(2**53 - 1), the range every JSON reader holds exactly;
* strings in Unicode NFC, because the same visible Chinese or Vietnamese name can be typed
  as different code points and JCS does not normalise;
* object keys are strings, nesting at most MAX_DEPTH levels.

decode_canonical accepts exactly the outputs of encode, so a verifier can reject payload
bytes that were re-spaced, re-ordered, re-escaped or given duplicate keys after signing.
"""

import json
import unicodedata

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64


class CanonicalError(ValueError):
    """A value cannot be signed canonically, or bytes are not a canonical encoding."""


def encode(value: object) -> bytes:
    """Return the RFC 8785 bytes of `value` after checking it against the signing policy."""
    _check(value, "$", 0)
    return rfc8785.dumps(value)


def decode_canonical(data: bytes) -> object:
    """Parse `data`, insisting it is byte-for-byte what encode() produces for the result."""
    if not isinstance(data, bytes):
        raise CanonicalError(f"canonical JSON must be bytes, got {type(data).__name__}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CanonicalError(f"not valid UTF-8 at byte {error.start}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except CanonicalError:
        raise
    except RecursionError:
        raise CanonicalError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise CanonicalError(f"not valid JSON: {error}") from None
    _check(value, "$", 0)
    if rfc8785.dumps(value) != data:
        raise CanonicalError(
            "valid JSON but not its canonical RFC 8785 encoding "
            "(whitespace, member order, escaping or number spelling differs)"
        )
    return value


def _check(value: object, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalError(f"nesting deeper than {MAX_DEPTH} levels at {path}")
    if value is None or type(value) is bool:
        return
    if type(value) is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer at {path} is outside ±(2**53-1)")
        return
    if type(value) is float:
        raise CanonicalError(
            f"float at {path} is not allowed in signed data; use an integer or a decimal string"
        )
    if type(value) is str:
        _check_string(value, f"string at {path}")
        return
    if type(value) in (list, tuple):
        for position, item in enumerate(value):
            _check(item, f"{path}[{position}]", depth + 1)
        return
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise CanonicalError(
                    f"object key {key!r} at {path} is a {type(key).__name__}, keys must be strings"
                )
            _check_string(key, f"object key at {path}")
            _check(item, f"{path}[{json.dumps(key, ensure_ascii=False)}]", depth + 1)
        return
    raise CanonicalError(f"value at {path} has unsupported type {type(value).__name__}")


def _check_string(value: str, what: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{what} contains a lone surrogate") from None
    if not unicodedata.is_normalized("NFC", value):
        raise CanonicalError(f"{what} is not in Unicode NFC form")


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalError(f"duplicate object key {key!r}")
        result[key] = value
    return result


def _refuse_float(text: str) -> float:
    raise CanonicalError(f"number {text} is a float; signed data allows integers only")


def _refuse_constant(text: str) -> float:
    raise CanonicalError(f"{text} is not valid JSON")
