"""Canonical JSON: RFC 8785 vectors, the signing policy on top of JCS, strict decoding."""

import enum
import json
import unicodedata
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.ledger.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, CanonicalError, decode_canonical, encode

JCS = Path(__file__).parent / "vectors" / "jcs-rfc8785" / "testdata"
ALL_VECTORS = ["arrays", "french", "structures", "unicode", "values", "weird"]


def _input(name: str) -> object:
    return json.loads((JCS / "input" / f"{name}.json").read_bytes())


def _output(name: str) -> bytes:
    return (JCS / "output" / f"{name}.json").read_bytes()


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


class _Colour(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize("name", ALL_VECTORS)
def test_output_file_equals_its_hex_listing(name: str) -> None:
    assert _output(name) == bytes.fromhex((JCS / "outhex" / f"{name}.txt").read_text())


@pytest.mark.parametrize("name", ALL_VECTORS)
def test_rfc8785_library_reproduces_vector_output(name: str) -> None:
    assert rfc8785.dumps(_input(name)) == _output(name)


@pytest.mark.parametrize("name", ["arrays", "french"])
def test_encode_reproduces_vector_output(name: str) -> None:
    assert encode(_input(name)) == _output(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("structures", 'float at \\$\\["1"\\]\\["\\\\n"\\] is not allowed'),
        ("values", 'float at \\$\\["numbers"\\]\\[0\\] is not allowed'),
        ("unicode", 'string at \\$\\["Unnormalized Unicode"\\] is not in Unicode NFC form'),
        ("weird", "object key at \\$ is not in Unicode NFC form"),
    ],
)
def test_encode_refuses_vector_input_outside_signing_policy(name: str, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        encode(_input(name))


@pytest.mark.parametrize("name", ["arrays", "french", "structures"])
def test_decode_canonical_accepts_vector_output(name: str) -> None:
    assert decode_canonical(_output(name)) == json.loads(_output(name))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("values", "number 333333333.3333333 is a float"),
        ("unicode", "is not in Unicode NFC form"),
        ("weird", "object key at \\$ is not in Unicode NFC form"),
    ],
)
def test_decode_canonical_refuses_vector_output_outside_signing_policy(
    name: str, message: str
) -> None:
    with pytest.raises(CanonicalError, match=message):
        decode_canonical(_output(name))


def test_encode_sorts_keys_by_utf16_code_units() -> None:
    assert encode({"\ufb01": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb01":1}'.encode()


def test_encode_accepts_safe_integer_bounds() -> None:
    assert encode([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"


def test_encode_accepts_tuple_as_array() -> None:
    assert encode({"a": (1, "b")}) == b'{"a":[1,"b"]}'


def test_encode_accepts_nesting_at_max_depth() -> None:
    assert encode(_nested(MAX_DEPTH)) == b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.0, "float at \\$ is not allowed"),
        ({"amount": 0.1}, 'float at \\$\\["amount"\\] is not allowed'),
        (float("nan"), "float at \\$ is not allowed"),
        (float("inf"), "float at \\$ is not allowed"),
        (2**53, "integer at \\$ is outside"),
        ([-(2**53)], "integer at \\$\\[0\\] is outside"),
        ("Nguye\u0302\u0303n", "string at \\$ is not in Unicode NFC form"),
        ({"Nguye\u0302\u0303n": 1}, "object key at \\$ is not in Unicode NFC form"),
        ({1: "a"}, "object key 1 at \\$ is a int, keys must be strings"),
        ({("a",): 1}, "keys must be strings"),
        ("\ud800", "string at \\$ contains a lone surrogate"),
        (b"bytes", "unsupported type bytes"),
        ({1, 2}, "unsupported type set"),
        (_Colour.RED, "unsupported type _Colour"),
        (_nested(MAX_DEPTH + 1), f"nesting deeper than {MAX_DEPTH} levels"),
    ],
)
def test_encode_refuses_value_outside_signing_policy(value: object, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        encode(value)


def test_decode_canonical_returns_encoded_value() -> None:
    value = {"doc_id": "村务-001", "step_seq": 3, "observed": {"size": 1}, "tags": [None, True]}
    assert decode_canonical(encode(value)) == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": 1}', "not its canonical RFC 8785 encoding"),
        (b'{"b":1,"a":2}', "not its canonical RFC 8785 encoding"),
        (b'{"a":1}\n', "not its canonical RFC 8785 encoding"),
        (b'"\\u0041"', "not its canonical RFC 8785 encoding"),
        (b'"\\/"', "not its canonical RFC 8785 encoding"),
        (b"-0", "not its canonical RFC 8785 encoding"),
        (b'{"a":1,"a":1}', "duplicate object key 'a'"),
        (b"1.0", "number 1.0 is a float"),
        (b"1e2", "number 1e2 is a float"),
        (b"NaN", "NaN is not valid JSON"),
        (b"Infinity", "Infinity is not valid JSON"),
        (b"9007199254740992", "integer at \\$ is outside"),
        ('"Nguye\u0302\u0303n"'.encode(), "string at \\$ is not in Unicode NFC form"),
        (b'"\\ud800"', "contains a lone surrogate"),
        (b'"\xff"', "not valid UTF-8 at byte 1"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1,]", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, f"nesting deeper than {MAX_DEPTH} levels"),
        (b"1" * 5000, "not valid JSON"),
    ],
)
def test_decode_canonical_refuses_non_canonical_bytes(data: bytes, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        decode_canonical(data)


def test_decode_canonical_refuses_str_input() -> None:
    with pytest.raises(CanonicalError, match="canonical JSON must be bytes, got str"):
        decode_canonical("{}")  # type: ignore[arg-type]


nfc_text = st.text(max_size=20).map(lambda s: unicodedata.normalize("NFC", s))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | nfc_text,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(nfc_text, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(deadline=None)
@given(value=json_values)
def test_decode_canonical_inverts_encode(value: object) -> None:
    assert decode_canonical(encode(value)) == value


@settings(deadline=None)
@given(value=json_values)
def test_encode_matches_rfc8785_for_policy_values(value: object) -> None:
    assert encode(value) == rfc8785.dumps(value)


@settings(deadline=None, max_examples=300)
@given(data=st.binary(max_size=200))
def test_decode_canonical_accepts_random_bytes_only_if_canonical(data: bytes) -> None:
    try:
        value = decode_canonical(data)
    except CanonicalError:
        return
    assert encode(value) == data


@settings(deadline=None, max_examples=300)
@given(
    value=json_values,
    position=st.integers(0, 10_000),
    replacement=st.sampled_from([b" ", b"\n", b",", b"0", b"-", b".", b'"', b"\\", b"}", b"e"]),
    kind=st.sampled_from(["insert", "replace", "delete"]),
)
def test_decode_canonical_accepts_mutated_bytes_only_if_canonical(
    value: object, position: int, replacement: bytes, kind: str
) -> None:
    data = encode(value)
    position %= len(data)
    if kind == "insert":
        mutated = data[:position] + replacement + data[position:]
    elif kind == "replace":
        mutated = data[:position] + replacement + data[position + 1 :]
    else:
        mutated = data[:position] + data[position + 1 :]
    try:
        decoded = decode_canonical(mutated)
    except CanonicalError:
        return
    assert encode(decoded) == mutated
