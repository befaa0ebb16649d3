"""C2SP checkpoints and signed notes, so Go transparency tooling can read our log heads.

A checkpoint commits the log to (origin, size, root). It is published as a C2SP signed
note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) signed with Ed25519, the format
Tessera, witnesses and the Go sumdb use. Everything read here may come from the server
under audit, so parsing is strict: one canonical spelling of every field is accepted and
anything else raises CheckpointError, which keeps accepted notes byte-for-byte
non-malleable. A verifier key is only ever taken from pinned configuration.
"""

import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workflow.ledger import b64

ED25519_TYPE = 0x01
KEY_ID_SIZE = 4
ED25519_PUBLIC_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
ROOT_HASH_SIZE = 32
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**64 - 1

_SIGNATURE_PREFIX = "\u2014 "
_SIZE_PATTERN = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_PATTERN = re.compile(r"[0-9a-f]{8}")


class CheckpointError(ValueError):
    """A note, checkpoint or verifier key is malformed, or a signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """A log head: the tree of `size` leaves of log `origin` has Merkle root `root`."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size must be an int in 0..2**64-1, got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_HASH_SIZE:
            raise CheckpointError(f"root hash must be {ROOT_HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise CheckpointError("extension lines must be a tuple of strings")
        for line in self.extensions:
            _check_line(line, "extension line")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: who claims to have signed (name, key id) and the raw signature."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise CheckpointError(f"key id must be {KEY_ID_SIZE} bytes")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise CheckpointError("signature must be non-empty bytes")


@dataclass(frozen=True)
class SignedNote:
    """Note text (ending in a newline) and its signatures, not yet verified."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_text(self.text)
        if not isinstance(self.signatures, tuple) or not self.signatures:
            raise CheckpointError("a signed note needs at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise CheckpointError(f"note has more than {MAX_SIGNATURES} signatures")
        seen: set[tuple[str, bytes]] = set()
        for signature in self.signatures:
            if not isinstance(signature, NoteSignature):
                raise CheckpointError("signatures must be NoteSignature values")
            if (signature.name, signature.key_id) in seen:
                raise CheckpointError(
                    f"note has two signatures from key {signature.name}+{signature.key_id.hex()}"
                )
            seen.add((signature.name, signature.key_id))


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 note key, as pinned in configuration."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        size = len(self.public_key) if isinstance(self.public_key, bytes) else None
        if size != ED25519_PUBLIC_KEY_SIZE:
            raise CheckpointError(f"Ed25519 public key must be {ED25519_PUBLIC_KEY_SIZE} bytes")

    @property
    def key_id(self) -> bytes:
        """Derived, never stored, so a pinned key cannot carry a mismatched id."""
        return note_key_id(self.name, self.public_key)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The exact text the log key signs; parse_checkpoint accepts no other spelling of it."""
    lines = [checkpoint.origin, str(checkpoint.size), b64.encode(checkpoint.root), *checkpoint.extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text, refusing any spelling format_checkpoint would not produce."""
    _check_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(f"checkpoint needs at least 3 lines, got {len(lines)}")
    for number, line in enumerate(lines, start=1):
        if not line:
            raise CheckpointError(f"checkpoint line {number} is empty")
    origin, size_line, root_line, *extensions = lines
    if not _SIZE_PATTERN.fullmatch(size_line):
        raise CheckpointError(f"tree size {size_line!r} is not a decimal without leading zeros")
    size = int(size_line)
    if size > MAX_TREE_SIZE:
        raise CheckpointError(f"tree size {size_line} does not fit in 64 bits")
    root = b64.decode(root_line, "root hash", CheckpointError)
    if len(root) != ROOT_HASH_SIZE:
        raise CheckpointError(f"root hash must be {ROOT_HASH_SIZE} bytes, got {len(root)}")
    return Checkpoint(origin, size, root, tuple(extensions))


def note_key_id(name: str, public_key: bytes) -> bytes:
    """C2SP key ID: binds the key name and algorithm, so one key cannot pose under another name."""
    _check_key_name(name)
    material = name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def format_verifier_key(name: str, public_key: bytes) -> str:
    """The `name+hex8+base64(0x01||key)` string operators pin and Go's note package reads."""
    verifier = NoteVerifier(name, public_key)
    return f"{name}+{verifier.key_id.hex()}+{b64.encode(bytes([ED25519_TYPE]) + public_key)}"


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """Parse a pinned verifier key, checking that its stated key ID matches the key material."""
    if not isinstance(vkey, str):
        raise CheckpointError("verifier key must be a string")
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("verifier key must have the form name+keyid+key")
    name, key_id_hex, key_b64 = parts
    _check_key_name(name)
    if not _KEY_ID_PATTERN.fullmatch(key_id_hex):
        raise CheckpointError(f"verifier key id {key_id_hex!r} is not 8 lowercase hex digits")
    material = b64.decode(key_b64, "verifier public key", CheckpointError)
    if len(material) != 1 + ED25519_PUBLIC_KEY_SIZE or material[0] != ED25519_TYPE:
        raise CheckpointError("verifier key is not a type 0x01 Ed25519 key")
    verifier = NoteVerifier(name, material[1:])
    if verifier.key_id.hex() != key_id_hex:
        raise CheckpointError(
            f"verifier key id {key_id_hex} does not match its key "
            f"(expected {verifier.key_id.hex()})"
        )
    return verifier


def format_note(note: SignedNote) -> str:
    """The inverse of parse_note, so notes can be re-signed or cosigned and stored verbatim."""
    lines = [
        f"{_SIGNATURE_PREFIX}{signature.name} {b64.encode(signature.key_id + signature.signature)}\n"
        for signature in note.signatures
    ]
    return note.text + "\n" + "".join(lines)


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign note text with an Ed25519 key under `name` and return the serialised note."""
    _check_text(text)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise CheckpointError("private key must be an Ed25519PrivateKey")
    public_key = private_key.public_key().public_bytes_raw()
    signature = NoteSignature(
        name, note_key_id(name, public_key), private_key.sign(text.encode("utf-8"))
    )
    return format_note(SignedNote(text, (signature,)))


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """Produce the signed checkpoint note the log publishes."""
    return sign_note(format_checkpoint(checkpoint), name, private_key)


def parse_note(data: bytes | str) -> SignedNote:
    """Split a signed note into text and signatures without trusting either."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("note is not valid UTF-8") from None
    if not isinstance(data, str):
        raise CheckpointError("note must be bytes or str")
    _check_no_controls(data, "note")
    split = data.rfind("\n\n")
    if split < 0:
        raise CheckpointError("note has no blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block:
        raise CheckpointError("note has no signature lines")
    if not block.endswith("\n"):
        raise CheckpointError("note does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"note has more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature_line(line) for line in lines))


def verify_note(note: SignedNote, verifier: NoteVerifier) -> None:
    """Require a valid signature by `verifier`, ignoring signatures from other keys (C2SP rule)."""
    key_id = verifier.key_id
    matching = [s for s in note.signatures if s.name == verifier.name and s.key_id == key_id]
    if not matching:
        raise CheckpointError(f"note has no signature from key {verifier.name}+{key_id.hex()}")
    public_key = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    for signature in matching:
        if len(signature.signature) != ED25519_SIGNATURE_SIZE:
            raise CheckpointError(
                f"signature from {verifier.name} is {len(signature.signature)} bytes, "
                f"Ed25519 needs {ED25519_SIGNATURE_SIZE}"
            )
        try:
            public_key.verify(signature.signature, note.text.encode("utf-8"))
        except InvalidSignature:
            raise CheckpointError(f"signature from {verifier.name} does not verify") from None


def open_checkpoint(data: bytes | str, verifier: NoteVerifier, *, origin: str) -> Checkpoint:
    """Parse, verify and decode a signed checkpoint of the pinned log `origin`."""
    note = parse_note(data)
    verify_note(note, verifier)
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}"
        )
    return checkpoint


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise CheckpointError("signature line does not start with an em dash and a space")
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise CheckpointError("signature line has no space between key name and signature")
    payload = b64.decode(encoded, "signature", CheckpointError)
    if len(payload) <= KEY_ID_SIZE:
        raise CheckpointError(f"signature is {len(payload)} bytes, too short for a key id")
    return NoteSignature(name, payload[:KEY_ID_SIZE], payload[KEY_ID_SIZE:])


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        raise CheckpointError("note text must be a string")
    if not text.endswith("\n"):
        raise CheckpointError("note text must end in a newline")
    _check_no_controls(text, "note text")


def _check_line(line: object, what: str) -> None:
    if not isinstance(line, str) or not line:
        raise CheckpointError(f"{what} must be a non-empty string")
    if "\n" in line:
        raise CheckpointError(f"{what} must not contain a newline")
    _check_no_controls(line, what)


def _check_no_controls(text: str, what: str) -> None:
    for char in text:
        if char < " " and char != "\n":
            raise CheckpointError(f"{what} contains control character U+{ord(char):04X}")
        if "\ud800" <= char <= "\udfff":
            raise CheckpointError(f"{what} contains a lone surrogate")


def _check_key_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise CheckpointError("key name must be a non-empty string")
    if "+" in name or any(char.isspace() for char in name):
        raise CheckpointError(f"key name {name!r} contains a space or '+'")
    _check_no_controls(name, "key name")


