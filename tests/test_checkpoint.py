"""C2SP checkpoints and signed notes: Tessera's signed test log, spec examples, strict parsing."""

import base64
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.ledger.merkle import EMPTY_ROOT, leaf_hash, root_hash
from workflow.ledger.notes import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    NoteSignature,
    NoteVerifier,
    SignedNote,
    format_checkpoint,
    format_note,
    format_verifier_key,
    note_key_id,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verify_note,
)

LOG = Path(__file__).parent / "vectors" / "tessera-testdata-log" / "testdata" / "log"
TESSERA_VKEY = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
TESSERA_ORIGIN = "example.com/log/testdata"
WORDS = (
    "one two three four five six seven eit nain ten ileven twelf threeten fourten fivten".split()
)

# c2sp.org/signed-note worked example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mF"
    "XmRKuwHjG1Yu72IneyaQM=\n"
)

# golang.org/x/mod/sumdb/note package documentation example.
GO_SKEY_MATERIAL = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = GO_TEXT + (
    "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

TEST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TEST_NAME = "cunwu.example/village/log"
TEST_VERIFIER = NoteVerifier(TEST_NAME, TEST_KEY.public_key().public_bytes_raw())


def _entry_bundle(count: int) -> list[bytes]:
    """Decode a tlog-tiles entry bundle: each entry is a big-endian uint16 length then data."""
    data = (LOG / "tile" / "entries" / "000.p" / str(count)).read_bytes()
    entries, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from(">H", data, offset)
        entries.append(data[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert offset == len(data)
    return entries


def _checkpoint_bytes(size: int) -> bytes:
    return (LOG / f"checkpoint.{size}").read_bytes()


def _tessera_root(size: int) -> bytes:
    return root_hash([leaf_hash(word.encode("ascii")) for word in WORDS[:size]])


@pytest.mark.parametrize("count", range(1, 16))
def test_entry_bundle_holds_the_first_words(count: int) -> None:
    assert _entry_bundle(count) == [word.encode("ascii") for word in WORDS[:count]]


@pytest.mark.parametrize("count", range(1, 16))
def test_level_zero_tile_holds_the_leaf_hashes_of_the_entries(count: int) -> None:
    tile = (LOG / "tile" / "0" / "000.p" / str(count)).read_bytes()
    assert tile == b"".join(leaf_hash(entry) for entry in _entry_bundle(count))


@pytest.mark.parametrize("size", range(16))
def test_tessera_checkpoint_verifies_with_root_of_its_entries(size: int) -> None:
    verifier = parse_verifier_key(TESSERA_VKEY)
    checkpoint = open_checkpoint(_checkpoint_bytes(size), verifier, origin=TESSERA_ORIGIN)
    entries = _entry_bundle(size) if size else []
    assert checkpoint == Checkpoint(
        TESSERA_ORIGIN, size, root_hash([leaf_hash(e) for e in entries])
    )


@pytest.mark.parametrize("size", range(16))
def test_tessera_checkpoint_root_matches_no_other_tree_size(size: int) -> None:
    root = parse_checkpoint(parse_note(_checkpoint_bytes(size)).text).root
    assert [other for other in range(16) if _tessera_root(other) == root] == [size]


@pytest.mark.parametrize("size", range(16))
def test_tessera_checkpoint_reserialises_byte_exact(size: int) -> None:
    data = _checkpoint_bytes(size)
    note = parse_note(data)
    assert format_note(note).encode("utf-8") == data
    assert format_checkpoint(parse_checkpoint(note.text)) == note.text


def test_unsuffixed_checkpoint_is_the_latest_one() -> None:
    assert (LOG / "checkpoint").read_bytes() == _checkpoint_bytes(15)


def test_empty_tessera_checkpoint_has_the_empty_root() -> None:
    checkpoint = parse_checkpoint(parse_note(_checkpoint_bytes(0)).text)
    assert (checkpoint.size, checkpoint.root) == (0, EMPTY_ROOT)


def test_tessera_checkpoint_with_changed_size_fails_signature() -> None:
    data = _checkpoint_bytes(3).replace(b"\n3\n", b"\n4\n", 1)
    message = "signature from example.com/log/testdata does not verify"
    with pytest.raises(CheckpointError, match=message):
        open_checkpoint(data, parse_verifier_key(TESSERA_VKEY), origin=TESSERA_ORIGIN)


def test_tessera_checkpoint_with_changed_root_fails_signature() -> None:
    note = parse_note(_checkpoint_bytes(5))
    forged_text = format_checkpoint(Checkpoint(TESSERA_ORIGIN, 5, _tessera_root(6)))
    forged = format_note(SignedNote(forged_text, note.signatures))
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(forged, parse_verifier_key(TESSERA_VKEY), origin=TESSERA_ORIGIN)


def test_tessera_checkpoint_refused_for_another_pinned_origin() -> None:
    with pytest.raises(CheckpointError, match="is not the expected 'example.com/other'"):
        open_checkpoint(
            _checkpoint_bytes(2), parse_verifier_key(TESSERA_VKEY), origin="example.com/other"
        )


def test_tessera_checkpoint_refused_by_unrelated_key() -> None:
    with pytest.raises(CheckpointError, match="no signature from key cunwu.example/village/log"):
        open_checkpoint(_checkpoint_bytes(2), TEST_VERIFIER, origin=TESSERA_ORIGIN)


def test_tessera_signature_refused_under_same_name_with_other_key() -> None:
    impostor = NoteVerifier(TESSERA_ORIGIN, TEST_VERIFIER.public_key)
    with pytest.raises(CheckpointError, match="no signature from key example.com/log/testdata"):
        open_checkpoint(_checkpoint_bytes(2), impostor, origin=TESSERA_ORIGIN)


def test_spec_example_note_verifies() -> None:
    note = parse_note(SPEC_NOTE)
    assert verify_note(note, parse_verifier_key(SPEC_VKEY)) is None
    assert note.text == "This is an example message.\n"


def test_spec_example_verifier_key_id_derives_from_its_key() -> None:
    verifier = parse_verifier_key(SPEC_VKEY)
    assert (verifier.name, verifier.key_id.hex()) == ("example.com/foo", "530d903a")


def test_go_example_key_signs_the_documented_note() -> None:
    seed = base64.b64decode(GO_SKEY_MATERIAL)[1:]
    assert sign_note(GO_TEXT, "PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed)) == GO_NOTE


def test_go_example_verifier_key_round_trips() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    assert format_verifier_key(verifier.name, verifier.public_key) == GO_VKEY


def test_go_example_note_with_changed_text_fails() -> None:
    tampered = GO_NOTE.replace("cryptography", "cryptographY", 1)
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_note(parse_note(tampered), parse_verifier_key(GO_VKEY))


def test_note_key_id_is_sha256_prefix_of_name_newline_type_key() -> None:
    verifier = parse_verifier_key(TESSERA_VKEY)
    assert note_key_id(verifier.name, verifier.public_key).hex() == "33d7b496"


def test_signed_checkpoint_round_trips() -> None:
    checkpoint = Checkpoint(TEST_NAME, 10432, bytes(range(32)), ("ext one", "ext 2"))
    opened = open_checkpoint(
        sign_checkpoint(checkpoint, TEST_NAME, TEST_KEY), TEST_VERIFIER, origin=checkpoint.origin
    )
    assert opened == checkpoint


def test_format_checkpoint_writes_origin_size_base64_root_and_extensions() -> None:
    checkpoint = Checkpoint("o", 7, b"\x00" * 32, ("x",))
    assert format_checkpoint(checkpoint) == "o\n7\n" + "A" * 43 + "=\nx\n"


def test_verifier_key_round_trips() -> None:
    vkey = format_verifier_key(TEST_NAME, TEST_VERIFIER.public_key)
    assert parse_verifier_key(vkey) == TEST_VERIFIER


def test_unknown_signature_is_ignored_next_to_a_valid_one() -> None:
    other = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
    witness = parse_note(sign_note("a\nb\nc\n", "witness.example", other)).signatures
    note = parse_note(sign_note("a\nb\nc\n", TEST_NAME, TEST_KEY))
    combined = SignedNote(note.text, witness + note.signatures)
    assert verify_note(parse_note(format_note(combined)), TEST_VERIFIER) is None


def test_bad_signature_from_trusted_key_rejects_note() -> None:
    note = parse_note(sign_note("a\nb\nc\n", TEST_NAME, TEST_KEY))
    signature = note.signatures[0]
    broken = NoteSignature(signature.name, signature.key_id, bytes(64))
    message = "signature from cunwu.example/village/log does not verify"
    with pytest.raises(CheckpointError, match=message):
        verify_note(SignedNote(note.text, (broken,)), TEST_VERIFIER)


def test_short_signature_from_trusted_key_rejects_note() -> None:
    broken = NoteSignature(TEST_NAME, TEST_VERIFIER.key_id, bytes(63))
    with pytest.raises(CheckpointError, match="is 63 bytes, Ed25519 needs 64"):
        verify_note(SignedNote("a\n", (broken,)), TEST_VERIFIER)


def _signature_line(name: str = TEST_NAME, payload: bytes = b"\x00" * 68) -> str:
    return f"\u2014 {name} {base64.b64encode(payload).decode()}\n"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("a\n" + _signature_line(), "no blank line before its signatures"),
        ("a\n\n", "no signature lines"),
        ("a\n\n" + _signature_line()[:-1], "does not end in a newline"),
        ("a\r\n\n" + _signature_line(), "control character U\\+000D"),
        ("a\tb\n\n" + _signature_line(), "control character U\\+0009"),
        ("a\n\n- " + _signature_line()[2:], "does not start with an em dash"),
        ("a\n\n\u2014" + _signature_line()[1:].lstrip(), "does not start with an em dash"),
        ("a\n\n\u2014 nospace\n", "no space between key name and signature"),
        ("a\n\n\u2014  AAAAAAAA\n", "key name must be a non-empty string"),
        ("a\n\n" + _signature_line("a+b"), "contains a space or '\\+'"),
        ("a\n\n" + _signature_line("a\u3000b"), "contains a space or '\\+'"),
        ("a\n\n\u2014 name AAAA*AAA\n", "signature is not valid base64"),
        ("a\n\n\u2014 name AAAAAAB=\n", "signature is not canonical base64"),
        ("a\n\n\u2014 name AAAAAAAA \n", "signature is not valid base64"),
        ("a\n\n" + _signature_line(payload=b"\x00" * 4), "too short for a key id"),
        ("a\n\n" + _signature_line() + _signature_line(), "two signatures from key"),
        ("a\n\n" + _signature_line() * 2 + "\n", "no signature lines"),
        (
            "a\n\n" + "".join(_signature_line(f"k{i}") for i in range(MAX_SIGNATURES + 1)),
            f"more than {MAX_SIGNATURES} signatures",
        ),
        (b"a\xff\n\n" + _signature_line().encode(), "not valid UTF-8"),
    ],
)
def test_parse_note_refuses_malformed_note(note: str | bytes, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse_note(note)


def test_parse_note_accepts_maximum_signature_count() -> None:
    lines = "".join(_signature_line(f"k{i}") for i in range(MAX_SIGNATURES))
    assert len(parse_note("a\n\n" + lines).signatures) == MAX_SIGNATURES


def test_parse_note_keeps_blank_lines_inside_text() -> None:
    assert parse_note("a\n\nb\n\n" + _signature_line()).text == "a\n\nb\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("o\n1\n", "at least 3 lines, got 2"),
        ("\n1\n" + "A" * 43 + "=\n", "line 1 is empty"),
        ("o\n1\n" + "A" * 43 + "=\n\n", "line 4 is empty"),
        ("o\n01\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n+1\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n 1\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n1_0\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n\u0663\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n-0\n" + "A" * 43 + "=\n", "not a decimal without leading zeros"),
        ("o\n18446744073709551616\n" + "A" * 43 + "=\n", "does not fit in 64 bits"),
        ("o\n1\n" + "A" * 42 + "==\n", "root hash must be 32 bytes, got 31"),
        ("o\n1\n" + "A" * 44 + "AAAA\n", "root hash must be 32 bytes, got 36"),
        ("o\n1\n" + "A" * 43 + "\n", "root hash is not valid base64"),
        ("o\n1\n" + "A" * 42 + "B=\n", "root hash is not canonical base64"),
        ("o\n1\n" + "-" * 43 + "=\n", "root hash is not valid base64"),
    ],
)
def test_signed_checkpoint_with_malformed_body_is_refused(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        open_checkpoint(sign_note(text, TEST_NAME, TEST_KEY), TEST_VERIFIER, origin="o")


def test_parse_checkpoint_refuses_text_without_final_newline() -> None:
    with pytest.raises(CheckpointError, match="must end in a newline"):
        parse_checkpoint("o\n1\n" + "A" * 43 + "=")


def test_largest_64_bit_tree_size_is_accepted() -> None:
    text = "o\n18446744073709551615\n" + "A" * 43 + "=\n"
    assert parse_checkpoint(text).size == 2**64 - 1


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("example.com/foo+530d903a", "must have the form name\\+keyid\\+key"),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "non-empty"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "lowercase"),
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
        ("example.org/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "type 0x01"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U", "not valid base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv", "type 0x01"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2l", "does not match"),
    ],
)
def test_parse_verifier_key_refuses_malformed_key(vkey: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse_verifier_key(vkey)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("", 1, bytes(32)), "origin must be a non-empty string"),
        (("a\nb", 1, bytes(32)), "origin must not contain a newline"),
        (("o", -1, bytes(32)), "tree size must be an int"),
        (("o", True, bytes(32)), "tree size must be an int"),
        (("o", 1, bytes(31)), "root hash must be 32 bytes"),
        (("o", 1, bytes(32), ("",)), "extension line must be a non-empty string"),
        (("o", 1, bytes(32), ["x"]), "extension lines must be a tuple"),
    ],
)
def test_checkpoint_refuses_invalid_fields(fields: tuple, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint(*fields)


def test_sign_note_refuses_text_without_final_newline() -> None:
    with pytest.raises(CheckpointError, match="must end in a newline"):
        sign_note("a", TEST_NAME, TEST_KEY)


def _mutate(data: bytes, kind: str, position: int, value: int) -> bytes:
    position %= len(data)
    if kind == "flip":
        return data[:position] + bytes([data[position] ^ (1 << (value % 8))]) + data[position + 1 :]
    if kind == "replace":
        return data[:position] + bytes([value]) + data[position + 1 :]
    if kind == "insert":
        return data[:position] + bytes([value]) + data[position:]
    if kind == "delete":
        return data[:position] + data[position + 1 :]
    return data[:position]


@settings(deadline=None, max_examples=300)
@given(
    size=st.integers(0, 15),
    kind=st.sampled_from(["flip", "replace", "insert", "delete", "truncate"]),
    position=st.integers(0, 10_000),
    value=st.integers(0, 255),
)
def test_mutated_tessera_checkpoint_is_never_accepted(
    size: int, kind: str, position: int, value: int
) -> None:
    """Byte-level edits only: appending a whole well-formed signature line from another key
    is accepted by design (C2SP: verifiers ignore unknown signatures, e.g. witness cosigs)."""
    original = _checkpoint_bytes(size)
    mutated = _mutate(original, kind, position, value)
    if mutated == original:
        return
    with pytest.raises(CheckpointError):
        open_checkpoint(mutated, parse_verifier_key(TESSERA_VKEY), origin=TESSERA_ORIGIN)


@settings(deadline=None, max_examples=300)
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_parser_raises_only_checkpoint_error_on_random_input(data: bytes | str) -> None:
    try:
        open_checkpoint(data, TEST_VERIFIER, origin="o")
    except CheckpointError:
        return
    pytest.fail("random input was accepted as a signed checkpoint")


_NOTE_ALPHABET = st.sampled_from(
    ["\u2014", " ", "\n", "\n\n", "+", "=", "A", "z", "0", "/", "o", "\t", "\u3000", "\u00e9"]
)
note_like = st.lists(
    st.one_of(
        _NOTE_ALPHABET,
        st.builds(lambda raw: base64.b64encode(raw).decode(), st.binary(max_size=80)),
        st.just(_signature_line()),
    ),
    max_size=30,
).map("".join)


@settings(deadline=None, max_examples=500)
@given(note=note_like)
def test_note_like_text_parses_only_to_its_exact_reserialisation(note: str) -> None:
    try:
        parsed = parse_note(note)
    except CheckpointError:
        return
    assert format_note(parsed) == note


@settings(deadline=None)
@given(
    origin=st.text(st.characters(min_codepoint=0x20, exclude_characters="\n", exclude_categories=("Cs",)), min_size=1),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_signed_random_checkpoint_opens_to_itself(origin: str, size: int, root: bytes) -> None:
    checkpoint = Checkpoint(origin, size, root)
    note = sign_checkpoint(checkpoint, TEST_NAME, TEST_KEY)
    assert open_checkpoint(note.encode("utf-8"), TEST_VERIFIER, origin=origin) == checkpoint
