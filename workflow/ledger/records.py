"""Step records, key events and the envelope that carries their signatures: the bytes an auditor checks.

Every log entry is a DSSE-style envelope (secure-systems-lab/dsse): a payload type, the payload bytes,
and Ed25519 signatures over PAE(type, payload). Signing the PAE rather than the bare payload binds the
type, so a signature on a key event can never pass for a step, nor a bag seal for either. Payloads are
RFC 8785 canonical JSON under the signing policy of workflow.canonical (no floats, NFC text), and the
envelope is canonical JSON too, so a signed payload has exactly one leaf encoding.

Readers treat every byte as hostile: the canonical form is checked before anything is believed, every
object must hold exactly its schema's members with values of the right type and spelling, and any
deviation raises RecordError. The signer's public key travels in the envelope so that a signature can be
checked from the entry alone (and so in parallel); whether that key belonged to the named person at that
log position is the verifier's sequential job, not this module's.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Sequence, Union

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workflow.ledger import b64, canonical, notes
from workflow.ledger.keys import key_id as key_id_of

STEP_TYPE = "application/vnd.cunwu.step.v1+jcs"
KEY_EVENT_TYPE = "application/vnd.cunwu.keyevent.v1+jcs"
GENESIS_TYPE = "application/vnd.cunwu.genesis.v1+jcs"
BAG_SEAL_TYPE = "application/vnd.cunwu.bagseal.v1+jcs"
DEFINITION_TYPE = "application/vnd.cunwu.definition.v1+jcs"
PAYLOAD_TYPES = (STEP_TYPE, KEY_EVENT_TYPE, GENESIS_TYPE, BAG_SEAL_TYPE, DEFINITION_TYPE)

KEY_EVENTS = ("register", "rotate", "revoke")
REVOKE_REASONS = ("superseded", "lost", "left_office", "compromised")
TALLY_KEYS = ("abstain", "expected", "no", "present", "yes")
MAX_LEAF_BYTES = 4 * 1024 * 1024
MAX_SIGNATURES = 8
MAX_TEXT = 20000
MAX_ITEMS = 1000

_IDENT = re.compile(r"[a-z][a-z0-9_]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"ed25519:[0-9a-f]{64}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}")
_ORIGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")

FieldValue = Union[str, int, bool]


class RecordError(ValueError):
    """An entry is malformed, non-canonical, of an unknown type, or its signature does not verify.

    `code` says which, for reports: malformed, non-canonical or bad-signature.
    """

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


def utc_timestamp(moment: datetime) -> str:
    """The one spelling of a time in signed data: UTC with microseconds and a Z, as RFC 3339 allows."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; signed records hold UTC only")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_origin(origin: str) -> str:
    """Log origins double as checkpoint key names, so they exclude spaces, '+' and anything exotic."""
    if origin.__class__ is str and origin in _VALID_ORIGINS:
        return origin
    if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin):
        raise RecordError(f"log origin {origin!r} must be 1-128 characters of A-Z a-z 0-9 . _ : / -")
    return _remember(_VALID_ORIGINS, origin)


def _remember(valid: set[str], value: str) -> str:
    """Identifiers, key ids, places and origins recur on nearly every entry; a set lookup costs a tenth of
    the regular expression. Bounded, so a hostile log cannot grow it without end."""
    if len(valid) < _MAX_REMEMBERED:
        valid.add(value)
    return value


_MAX_REMEMBERED = 50000
_VALID_ORIGINS: set[str] = set()
_VALID_IDENTS: set[str] = set()
_VALID_KEY_IDS: set[str] = set()
_VALID_PLACES: set[str] = set()


@dataclass(frozen=True)
class Observed:
    """The log head the signer saw: signing it pins the entry's position and everything before it."""

    size: int
    root: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root.hex(), "size": self.size}

    @classmethod
    def from_json(cls, value: object, what: str = "observed") -> "Observed":
        obj = _members(value, what, _OBSERVED_MEMBERS)
        return _checked(cls, {"size": _int(obj["size"], f"{what}.size", 0),
                              "root": bytes.fromhex(_hex64(obj["root"], f"{what}.root"))})


@dataclass(frozen=True)
class Attachment:
    """A file given with a step, bound by its hash and size; the bytes live in the blob store."""

    slot: str
    name: str
    media_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"media_type": self.media_type, "name": self.name, "sha256": self.sha256, "size": self.size,
                "slot": self.slot}

    @classmethod
    def from_json(cls, value: object, what: str) -> "Attachment":
        obj = _members(value, what, _ATTACHMENT_MEMBERS)
        media_type = _text(obj["media_type"], f"{what}.media_type", 127)
        if not _MEDIA_TYPE.fullmatch(media_type):
            raise RecordError(f"{what}.media_type {media_type!r} is not a media type")
        return _checked(cls, {"slot": _ident(obj["slot"], f"{what}.slot"),
                              "name": _text(obj["name"], f"{what}.name", 255), "media_type": media_type,
                              "size": _int(obj["size"], f"{what}.size", 1),
                              "sha256": _hex64(obj["sha256"], f"{what}.sha256")})


@dataclass(frozen=True)
class StepRecord:
    """What one person did to one document, as they signed it."""

    log_origin: str
    doc_id: int
    definition_id: str
    definition_version: int
    title: str
    place: str
    step_seq: int
    transition: str
    kind: str
    from_state: Optional[str]
    to_state: str
    actor: str
    role: str
    at: str
    fields: Mapping[str, FieldValue]
    tallies: Mapping[str, Mapping[str, int]]
    comment: Optional[str]
    attachments: tuple[Attachment, ...]
    prev_step_hash: Optional[str]
    key_id: str
    observed: Observed
    definition_sha256: Optional[str] = None
    """On a document's first record: the hash of the definition content it runs under (in the log)."""

    payload_type = STEP_TYPE

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor, "at": self.at, "attachments": [a.to_json() for a in self.attachments],
            "comment": self.comment, "definition": self._definition_json(),
            "doc_id": self.doc_id, "fields": dict(self.fields), "from_state": self.from_state,
            "key_id": self.key_id, "kind": self.kind, "log_origin": self.log_origin,
            "observed": self.observed.to_json(), "place": self.place, "prev_step_hash": self.prev_step_hash,
            "role": self.role, "step_seq": self.step_seq, "tallies": {k: dict(v) for k, v in self.tallies.items()},
            "title": self.title, "to_state": self.to_state, "transition": self.transition,
        }

    def _definition_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.definition_id, "version": self.definition_version}
        if self.definition_sha256 is not None:
            out["sha256"] = self.definition_sha256
        return out

    @classmethod
    def from_json(cls, value: object) -> "StepRecord":
        obj = _members(value, "step", _STEP_MEMBERS)
        seq = _int(obj["step_seq"], "step_seq", 0)
        pinned = seq == 0 and isinstance(obj["definition"], dict) and "sha256" in obj["definition"]
        definition = _members(obj["definition"], "definition", _PINNED_MEMBERS if pinned else _DEFINITION_MEMBERS)
        attachments = _list(obj["attachments"], "attachments")
        prev = obj["prev_step_hash"]
        if (seq == 0) != (prev is None):
            raise RecordError("prev_step_hash must be null exactly for step 0")
        from_state = obj["from_state"]
        if (seq == 0) != (from_state is None):
            raise RecordError("from_state must be null exactly for step 0")
        return _checked(cls, {
            "log_origin": check_origin(obj["log_origin"]), "doc_id": _int(obj["doc_id"], "doc_id", 1),
            "definition_id": _ident(definition["id"], "definition.id"),
            "definition_version": _int(definition["version"], "definition.version", 1),
            "title": _text(obj["title"], "title", 300), "place": _place(obj["place"]), "step_seq": seq,
            "transition": _ident(obj["transition"], "transition"), "kind": _ident(obj["kind"], "kind"),
            "from_state": None if from_state is None else _ident(from_state, "from_state"),
            "to_state": _ident(obj["to_state"], "to_state"), "actor": _ident(obj["actor"], "actor"),
            "role": _ident(obj["role"], "role"), "at": _time(obj["at"], "at"), "fields": _fields(obj["fields"]),
            "tallies": _tallies(obj["tallies"]),
            "comment": None if obj["comment"] is None else _text(obj["comment"], "comment", MAX_TEXT),
            "attachments": tuple(Attachment.from_json(a, f"attachments[{i}]") for i, a in enumerate(attachments)),
            "prev_step_hash": None if prev is None else _hex64(prev, "prev_step_hash"),
            "key_id": _key_id(obj["key_id"], "key_id"), "observed": Observed.from_json(obj["observed"]),
            "definition_sha256": _hex64(definition["sha256"], "definition.sha256") if pinned else None,
        })


_OBSERVED_MEMBERS = frozenset({"root", "size"})
_ATTACHMENT_MEMBERS = frozenset({"media_type", "name", "sha256", "size", "slot"})
_DEFINITION_MEMBERS = frozenset({"id", "version"})
_PINNED_MEMBERS = frozenset({"id", "sha256", "version"})
_STEP_MEMBERS = frozenset({
    "actor", "at", "attachments", "comment", "definition", "doc_id", "fields", "from_state", "key_id", "kind",
    "log_origin", "observed", "place", "prev_step_hash", "role", "step_seq", "tallies", "title", "to_state",
    "transition"})


def _checked(cls: type, values: dict[str, Any]) -> Any:
    """A frozen record built from values its parser has checked: the generated __init__ of a frozen
    dataclass sets each field through object.__setattr__, which for a step's 21 fields cost more than all
    of its parsing. Only for classes without __post_init__, given every field."""
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


@dataclass(frozen=True)
class KeyEvent:
    """A registrar's statement about a person's key: registered, rotated to a new key, or revoked."""

    log_origin: str
    event: str
    username: str
    key_id: str
    at: str
    observed: Observed
    name: Optional[str] = None
    public_key: Optional[bytes] = field(default=None, repr=False)
    previous_key_id: Optional[str] = None
    reason: Optional[str] = None

    payload_type = KEY_EVENT_TYPE

    def __post_init__(self) -> None:
        if self.event not in KEY_EVENTS:
            raise RecordError(f"unknown key event {self.event!r}")
        carries_key = self.event in ("register", "rotate")
        if carries_key != (self.public_key is not None) or carries_key != (self.name is not None):
            raise RecordError(f"a {self.event} event {'needs' if carries_key else 'takes no'} name and public key")
        if (self.event == "rotate") != (self.previous_key_id is not None):
            raise RecordError("previous_key_id belongs to rotate events only")
        if (self.event == "revoke") != (self.reason is not None):
            raise RecordError("a reason belongs to revoke events only")
        if self.reason is not None and self.reason not in REVOKE_REASONS:
            raise RecordError(f"revocation reason {self.reason!r} is not one of {', '.join(REVOKE_REASONS)}")
        if self.public_key is not None and key_id_of(self.public_key) != self.key_id:
            raise RecordError("key_id is not the SHA-256 of public_key")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "event": self.event, "key_id": self.key_id,
                               "log_origin": self.log_origin, "observed": self.observed.to_json(),
                               "username": self.username}
        if self.public_key is not None:
            out.update(name=self.name, public_key=b64.encode(self.public_key))
        if self.previous_key_id is not None:
            out["previous_key_id"] = self.previous_key_id
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_json(cls, value: object) -> "KeyEvent":
        if not isinstance(value, dict):
            raise RecordError("key event must be an object")
        event = value.get("event")
        extra = {"register": {"name", "public_key"}, "rotate": {"name", "public_key", "previous_key_id"},
                 "revoke": {"reason"}}.get(event) if isinstance(event, str) else None
        if extra is None:
            raise RecordError(f"unknown key event {event!r}")
        obj = _members(value, f"{event} event", {"at", "event", "key_id", "log_origin", "observed", "username"} | extra)
        return cls(
            log_origin=check_origin(obj["log_origin"]), event=event, username=_ident(obj["username"], "username"),
            key_id=_key_id(obj["key_id"], "key_id"), at=_time(obj["at"], "at"),
            observed=Observed.from_json(obj["observed"]),
            name=_text(obj["name"], "name", 100) if "name" in obj else None,
            public_key=_b64decode(obj["public_key"], "public_key", 32) if "public_key" in obj else None,
            previous_key_id=_key_id(obj["previous_key_id"], "previous_key_id") if "previous_key_id" in obj else None,
            reason=_text(obj["reason"], "reason", 32) if "reason" in obj else None,
        )


@dataclass(frozen=True)
class Genesis:
    """Entry 0: which log this is, the key that signs its checkpoints, and the registrar of people's keys.

    Anchored checkpoints cover it like any entry, so whoever holds an anchor has pinned these keys too.
    """

    log_origin: str
    log_key: str
    registrar_key_id: str
    registrar_public_key: bytes = field(repr=False)
    at: str

    payload_type = GENESIS_TYPE

    def __post_init__(self) -> None:
        try:
            verifier = notes.parse_verifier_key(self.log_key)
        except notes.CheckpointError as exc:
            raise RecordError(f"log_key: {exc}") from None
        if verifier.name != self.log_origin:
            raise RecordError("log_key must be named after the log origin")
        if key_id_of(self.registrar_public_key) != self.registrar_key_id:
            raise RecordError("registrar key_id is not the SHA-256 of its public key")

    @property
    def log_verifier(self) -> notes.NoteVerifier:
        return notes.parse_verifier_key(self.log_key)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "log_key": self.log_key, "log_origin": self.log_origin,
                "registrar": {"key_id": self.registrar_key_id, "public_key": b64.encode(self.registrar_public_key)}}

    @classmethod
    def from_json(cls, value: object) -> "Genesis":
        obj = _members(value, "genesis", {"at", "log_key", "log_origin", "registrar"})
        registrar = _members(obj["registrar"], "registrar", {"key_id", "public_key"})
        return cls(log_origin=check_origin(obj["log_origin"]), log_key=_text(obj["log_key"], "log_key", 300),
                   registrar_key_id=_key_id(registrar["key_id"], "registrar.key_id"),
                   registrar_public_key=_b64decode(registrar["public_key"], "registrar.public_key", 32),
                   at=_time(obj["at"], "at"))


@dataclass(frozen=True)
class DefinitionRecord:
    """A definition version installed in the log, signed by the registrar: its content (as written by
    workflow.engine.content) and the SHA-256 of that content's canonical bytes, which documents name."""

    log_origin: str
    definition_id: str
    version: int
    sha256: str
    content: Mapping[str, Any] = field(repr=False)
    at: str
    observed: Observed

    payload_type = DEFINITION_TYPE

    def __post_init__(self) -> None:
        if content_sha256(self.content) != self.sha256:
            raise RecordError("sha256 is not the SHA-256 of the definition's canonical content")

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "content": dict(self.content), "id": self.definition_id,
                "log_origin": self.log_origin, "observed": self.observed.to_json(), "sha256": self.sha256,
                "version": self.version}

    @classmethod
    def from_json(cls, value: object) -> "DefinitionRecord":
        obj = _members(value, "definition", {"at", "content", "id", "log_origin", "observed", "sha256", "version"})
        if not isinstance(obj["content"], dict):
            raise RecordError("definition content must be an object")
        return cls(log_origin=check_origin(obj["log_origin"]), definition_id=_ident(obj["id"], "id"),
                   version=_int(obj["version"], "version", 1), sha256=_hex64(obj["sha256"], "sha256"),
                   content=obj["content"], at=_time(obj["at"], "at"), observed=Observed.from_json(obj["observed"]))


def content_sha256(content: Mapping[str, Any]) -> str:
    """The hash a document pins: SHA-256 of the canonical (RFC 8785) bytes of a definition's content."""
    try:
        return hashlib.sha256(canonical.encode(content)).hexdigest()
    except canonical.CanonicalError as exc:
        raise RecordError(f"definition content cannot be signed canonically: {exc}") from None


@dataclass(frozen=True)
class BagSeal:
    """The exporting log's signature over a bag's tag manifest: who packed it, and that nothing was added."""

    log_origin: str
    doc_id: int
    checkpoint: Observed
    tagmanifest_sha256: str
    at: str

    payload_type = BAG_SEAL_TYPE

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "checkpoint": self.checkpoint.to_json(), "doc_id": self.doc_id,
                "log_origin": self.log_origin, "tagmanifest_sha256": self.tagmanifest_sha256}

    @classmethod
    def from_json(cls, value: object) -> "BagSeal":
        obj = _members(value, "seal", {"at", "checkpoint", "doc_id", "log_origin", "tagmanifest_sha256"})
        return cls(log_origin=check_origin(obj["log_origin"]), doc_id=_int(obj["doc_id"], "doc_id", 1),
                   checkpoint=Observed.from_json(obj["checkpoint"], "checkpoint"),
                   tagmanifest_sha256=_hex64(obj["tagmanifest_sha256"], "tagmanifest_sha256"),
                   at=_time(obj["at"], "at"))


Payload = Union[StepRecord, KeyEvent, Genesis, BagSeal, DefinitionRecord]
_PAYLOAD_CLASSES: dict[str, Any] = {c.payload_type: c
                                    for c in (StepRecord, KeyEvent, Genesis, BagSeal, DefinitionRecord)}
_EVERY_VALUE_TYPED = frozenset({STEP_TYPE, KEY_EVENT_TYPE, GENESIS_TYPE, BAG_SEAL_TYPE})
"""Payload types whose schema types every value, so their canonical check may leave numbers to it."""


@dataclass(frozen=True)
class Signature:
    """One signature line of an envelope; key_id and public_key are claims until checked."""

    key_id: str
    public_key: bytes = field(repr=False)
    sig: bytes = field(repr=False)


@dataclass(frozen=True)
class Envelope:
    """A payload and its signatures, exactly as stored in the log."""

    payload_type: str
    payload: bytes = field(repr=False)
    signatures: tuple[Signature, ...]

    def encode(self) -> bytes:
        """The leaf bytes; the canonical encoding, so open_envelope(encode()) round-trips byte for byte."""
        return canonical.encode({
            "payload": b64.encode(self.payload), "payloadType": self.payload_type,
            "signatures": [{"keyid": s.key_id, "public_key": b64.encode(s.public_key), "sig": b64.encode(s.sig)}
                           for s in self.signatures],
        })

    @functools.cached_property
    def message(self) -> bytes:
        """The bytes every signature covers, built once however many signatures there are."""
        return pae(self.payload_type, self.payload)

    def verify(self, signature: Signature) -> None:
        """Check one signature over PAE(type, payload) with the key it names; raises RecordError."""
        public_key, key_id = _public_key(signature.public_key)
        if key_id != signature.key_id:
            raise RecordError(f"signature key id {signature.key_id} is not the hash of its public key",
                              "bad-signature")
        try:
            public_key.verify(signature.sig, self.message)
        except InvalidSignature:
            raise RecordError(f"signature by {signature.key_id} does not verify", "bad-signature") from None

    def decode(self) -> Payload:
        """The payload as its typed record, after the canonical and schema checks.

        Where the schema types every value (integers within the safe range, no floats anywhere), the
        canonical check may parse with orjson and leave numbers to the schema. Whatever either
        refuses is decided again by the exact decoder, so the reason given is the same as ever.
        """
        cls = _PAYLOAD_CLASSES[self.payload_type]
        value = _typed_loads(self.payload) if self.payload_type in _EVERY_VALUE_TYPED else None
        if value is not None:
            try:
                return cls.from_json(value)
            except RecordError:
                pass
        return cls.from_json(decode_canonical(self.payload))


@functools.lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> tuple[Ed25519PublicKey, str]:
    """Loaded keys and their ids are reused: a county has a few hundred signers and the verifier meets
    each many times."""
    return Ed25519PublicKey.from_public_bytes(raw), key_id_of(raw)


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: the exact bytes each signature covers."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def encode_payload(record: Payload) -> bytes:
    """Canonical bytes of a record; the slow exact encoder, used once per signature."""
    return canonical.encode(record.to_json())


def sign(record: Payload, keys: Sequence[Ed25519PrivateKey]) -> Envelope:
    """Sign a record with each key in turn and wrap it; the result's encode() is the log leaf."""
    if not keys or len(keys) > MAX_SIGNATURES:
        raise ValueError(f"an envelope takes 1 to {MAX_SIGNATURES} signatures")
    payload = encode_payload(record)
    message = pae(record.payload_type, payload)
    signatures = []
    for key in keys:
        public_key = key.public_key().public_bytes_raw()
        signatures.append(Signature(key_id_of(public_key), public_key, key.sign(message)))
    return Envelope(record.payload_type, payload, tuple(signatures))


def open_envelope(leaf: bytes) -> Envelope:
    """Parse stored leaf bytes strictly; signatures are parsed, not yet checked.

    The canonical envelope has one spelling, which one regular expression describes (every string in it
    is base64, hex or a fixed payload type, so none needs escaping); the verifier meets it on every entry,
    so it is matched first in a single pass. Anything else is parsed as JSON to say exactly what is wrong.
    """
    if not isinstance(leaf, bytes):
        raise RecordError("a log entry must be bytes")
    if len(leaf) > MAX_LEAF_BYTES:
        raise RecordError(f"entry is {len(leaf)} bytes, more than {MAX_LEAF_BYTES}")
    match = _CANONICAL_ENVELOPE.fullmatch(leaf)
    if match is not None:
        envelope = _matched_envelope(match)
        if envelope is not None:
            return envelope
    return _parsed_envelope(leaf)


_SIGNATURE_PATTERN = (rb'\{"keyid":"(ed25519:[0-9a-f]{64})","public_key":"([A-Za-z0-9+/]{43}=)",'
                      rb'"sig":"([A-Za-z0-9+/]{86}==)"\}')
_CANONICAL_ENVELOPE = re.compile(
    rb'\{"payload":"([A-Za-z0-9+/]*={0,2})",'
    rb'"payloadType":"([a-z0-9./+-]{1,100})","signatures":\[(' + _SIGNATURE_PATTERN.replace(b"(", b"(?:")
    + rb'(?:,' + _SIGNATURE_PATTERN.replace(b"(", b"(?:") + rb')*)\]\}')
_SIGNATURE = re.compile(_SIGNATURE_PATTERN)


def _matched_envelope(match: re.Match[bytes]) -> Optional[Envelope]:
    """The envelope a canonical-looking leaf holds, or None when a detail (unknown type, base64 with stray
    bits, too many or repeated signatures) needs the full parser's verdict."""
    payload_type = match.group(2).decode("ascii")
    found = _SIGNATURE.findall(match.group(3))
    if payload_type not in PAYLOAD_TYPES or len(found) > MAX_SIGNATURES or len({f[0] for f in found}) != len(found):
        return None
    payload = b64.canonical_bytes(match.group(1))
    signatures = []
    for key_id, public_key, sig in found:
        public_raw, sig_raw = b64.canonical_bytes(public_key), b64.canonical_bytes(sig)
        if public_raw is None or sig_raw is None:
            return None
        signatures.append(Signature(key_id.decode("ascii"), public_raw, sig_raw))
    return None if payload is None else Envelope(payload_type, payload, tuple(signatures))


def _parsed_envelope(leaf: bytes) -> Envelope:
    try:
        obj = _DECODER.decode(leaf.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _canonical_error(leaf) from None
    _members(obj, "envelope", {"payload", "payloadType", "signatures"})
    payload_type = obj["payloadType"]
    if payload_type not in PAYLOAD_TYPES:
        raise RecordError(f"unknown payload type {payload_type!r}")
    entries = _list(obj["signatures"], "signatures")
    if not 1 <= len(entries) <= MAX_SIGNATURES:
        raise RecordError(f"an envelope needs 1 to {MAX_SIGNATURES} signatures, has {len(entries)}")
    signatures = []
    for position, entry in enumerate(entries):
        sig = _members(entry, f"signatures[{position}]", {"keyid", "public_key", "sig"})
        signatures.append(Signature(key_id=_key_id(sig["keyid"], f"signatures[{position}].keyid"),
                                    public_key=_b64decode(sig["public_key"], "public_key", 32),
                                    sig=_b64decode(sig["sig"], "sig", 64)))
    if len({s.key_id for s in signatures}) != len(signatures):
        raise RecordError("an envelope holds two signatures by the same key")
    envelope = Envelope(payload_type, _b64decode(obj["payload"], "payload"), tuple(signatures))
    if _envelope_bytes(obj) != leaf:
        raise _canonical_error(leaf)
    return envelope


def _envelope_bytes(obj: dict[str, Any]) -> bytes:
    """The JCS form of an envelope whose strings were all checked to need no escaping (base64, hex, the
    fixed payload types), written directly: the general encoder would cost as much as the parse."""
    signatures = ",".join(f'{{"keyid":"{s["keyid"]}","public_key":"{s["public_key"]}","sig":"{s["sig"]}"}}'
                          for s in obj["signatures"])
    return (f'{{"payload":"{obj["payload"]}","payloadType":"{obj["payloadType"]}",'
            f'"signatures":[{signatures}]}}').encode("ascii")


def decode_canonical(data: bytes) -> Any:
    """Parse canonical JSON; exactly workflow.canonical.decode_canonical, at C speed in the common case.

    The verifier runs this on every entry, where the pure-Python JCS encoder would cost more than the
    Ed25519 check itself. For UTF-8 text without characters beyond the BMP, JCS coincides with a sorted,
    compact, unescaped dump (keys sort the same by UTF-16 unit and by code point, and both escape exactly
    the control characters, as tests/test_canonical.py checks against rfc8785 for every BMP character);
    the whole text being NFC is the same as each string being NFC, because the JSON punctuation between
    strings never composes. The decoder's hooks refuse floats and unsafe integers before the comparison.
    Anything else, and every rejection, goes through the exact decoder, so results and messages never
    differ.
    """
    try:
        text = data.decode("utf-8")
        value = _DECODER.decode(text)
    except (ValueError, RecursionError):
        raise _canonical_error(data) from None
    if _sorted_compact(value) == data and (text.isascii() or (
            not data.translate(None, _BELOW_FOUR_BYTE_UTF8) and unicodedata.is_normalized("NFC", text))):
        return value
    try:
        return canonical.decode_canonical(data)
    except canonical.CanonicalError:
        raise _canonical_error(data) from None


def _canonical_error(data: bytes) -> RecordError:
    """The exact decoder's reason, coded non-canonical for JSON that is merely not in canonical form."""
    try:
        canonical.decode_canonical(data)
    except canonical.CanonicalError as exc:
        return RecordError(f"not canonical JSON: {exc}", "non-canonical" if _is_json(data) else "malformed")
    return RecordError("not the canonical encoding of an envelope", "non-canonical")


def _is_json(data: bytes) -> bool:
    """Valid JSON that is merely not canonical is told apart from bytes that are not JSON at all."""
    try:
        json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


_TOP_LEVEL_DOC_ID = re.compile(
    rb'\],"comment":(?:null|"(?:[^"\\]|\\.)*"),"definition":\{"id":"[a-z][a-z0-9_]*"(?:,"sha256":"[0-9a-f]{64}")?,'
    rb'"version":[0-9]+\},'
    rb'"doc_id":([1-9][0-9]{0,15}),"fields":')


def peek_doc_id(payload: bytes) -> Optional[int]:
    """The document a step payload names, read without parsing it, or None if it does not look canonical.

    Only for skipping other documents' steps when a single document is verified: nothing read this way
    is trusted, and anything that does not match exactly is parsed and checked in full.
    """
    match = _TOP_LEVEL_DOC_ID.search(payload)
    return int(match.group(1)) if match else None


def leaf_hash_hex(leaf: bytes) -> str:
    """The hex leaf hash that prev_step_hash holds (RFC 9162 leaf hash of the envelope bytes)."""
    return hashlib.sha256(b"\x00" + leaf).hexdigest()


def _refuse_number(text: str) -> Any:
    raise ValueError(f"{text} is not allowed in signed data")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -canonical.MAX_SAFE_INTEGER <= value <= canonical.MAX_SAFE_INTEGER:
        raise ValueError("integer outside the safe range")
    return value


_DECODER = json.JSONDecoder(parse_float=_refuse_number, parse_constant=_refuse_number, parse_int=_safe_int)


def _typed_loads(data: bytes) -> Any:
    """orjson's parse of `data` if `data` is exactly its canonical dump (see decode_canonical), else None.

    Floats and integers beyond ±(2**53-1) are not refused here: only for records whose schema does."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if _sorted_compact(value) != data or not (data.isascii() or (
            not data.translate(None, _BELOW_FOUR_BYTE_UTF8) and unicodedata.is_normalized("NFC", data.decode()))):
        return None
    return value


def _sorted_compact(value: Any) -> Optional[bytes]:
    """orjson's sorted compact dump (a tenth of the standard library's time), None for what it refuses."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None

_BELOW_FOUR_BYTE_UTF8 = bytes(range(0xF0))


def _members(value: object, what: str, names: set[str] | frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(f"{what} must be an object")
    if value.keys() != names:
        missing, extra = sorted(names - value.keys()), sorted(value.keys() - names)
        raise RecordError(f"{what} members wrong: missing {missing}, unexpected {extra}")
    return value


def _list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise RecordError(f"{what} must be a list")
    if len(value) > MAX_ITEMS:
        raise RecordError(f"{what} has more than {MAX_ITEMS} items")
    return value


def _int(value: object, what: str, low: int) -> int:
    if type(value) is not int or not low <= value <= canonical.MAX_SAFE_INTEGER:
        raise RecordError(f"{what} must be an integer of at least {low}")
    return value


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise RecordError(f"{what} must be a non-empty string of at most {limit} characters")
    return value


def _ident(value: object, what: str) -> str:
    if value.__class__ is str and value in _VALID_IDENTS:
        return value  # type: ignore[return-value]
    if not isinstance(value, str) or not _IDENT.fullmatch(value):
        raise RecordError(f"{what} must be a lower-case identifier")
    return _remember(_VALID_IDENTS, value)


def _hex64(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise RecordError(f"{what} must be 64 lower-case hex digits")
    return value


def _key_id(value: object, what: str) -> str:
    if value.__class__ is str and value in _VALID_KEY_IDS:
        return value  # type: ignore[return-value]
    if not isinstance(value, str) or not _KEY_ID.fullmatch(value):
        raise RecordError(f"{what} must be ed25519: and 64 lower-case hex digits")
    return _remember(_VALID_KEY_IDS, value)


def _time(value: object, what: str) -> str:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise RecordError(f"{what} must be a UTC time like 2026-03-02T09:00:00.000000Z")
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        raise RecordError(f"{what} {value} is not a real date and time") from None
    return value


def _place(value: object) -> str:
    if value.__class__ is str and value in _VALID_PLACES:
        return value  # type: ignore[return-value]
    text = _text(value, "place", 400)
    if any(not part for part in text.split("/")):
        raise RecordError("place must be a path of names separated by /")
    return _remember(_VALID_PLACES, text)


def _fields(value: object) -> dict[str, FieldValue]:
    if not isinstance(value, dict) or len(value) > MAX_ITEMS:
        raise RecordError("fields must be an object")
    for name, item in value.items():
        _ident(name, "field name")
        if isinstance(item, str):
            if not item or len(item) > MAX_TEXT:
                _text(item, f"fields.{name}", MAX_TEXT)
        elif not isinstance(item, int) or not -canonical.MAX_SAFE_INTEGER <= item <= canonical.MAX_SAFE_INTEGER:
            raise RecordError(f"fields.{name} must be a string, an integer or a boolean")
    return value


def _tallies(value: object) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict) or len(value) > MAX_ITEMS:
        raise RecordError("tallies must be an object")
    for name, tally in value.items():
        _ident(name, "tally name")
        for key, count in _members(tally, f"tallies.{name}", set(TALLY_KEYS)).items():
            _int(count, f"tallies.{name}.{key}", 0)
    return value


def _b64decode(value: object, what: str, size: Optional[int] = None) -> bytes:
    return b64.decode(value, what, RecordError, size)
