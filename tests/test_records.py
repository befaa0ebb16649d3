"""Step records and envelopes: what a signed step holds, the one byte encoding of it, and a parser that
accepts nothing else (fuzzed)."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD, VILLAGE, County
from workflow.documents.service import Upload
from workflow.ledger import canonical, log, merkle, records
from workflow.ledger.keys import key_id

SEED = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
KEY_ID = key_id(KEY.public_key().public_bytes_raw())
STEP = records.StepRecord(
    log_origin="cunwu.test/lianyuan", doc_id=7, definition_id="major_decision_4y2g", definition_version=1,
    title="修建村组道路", place="涟源市/石马山镇/石门坎村", step_seq=1, transition="d_review", kind="forward",
    from_state="d_consulted", to_state="d_reviewed", actor="party_secretary", role="party_secretary",
    at="2026-03-02T09:00:00.000000Z", fields={"review_minutes": "同意"},
    tallies={"review_tally": {"expected": 30, "present": 20, "yes": 16, "no": 4, "abstain": 0}}, comment="照办",
    attachments=(records.Attachment("review_minutes", "党员大会记录.txt", "text/plain", 6, "ab" * 32),),
    prev_step_hash="cd" * 32, key_id=KEY_ID, observed=records.Observed(41, bytes(32)))


def leaf() -> bytes:
    return records.sign(STEP, [KEY]).encode()


def test_pae_is_the_dsse_v1_encoding() -> None:
    assert records.pae("http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"


def test_envelope_signature_covers_the_pae_of_type_and_payload() -> None:
    envelope = records.open_envelope(leaf())
    KEY.public_key().verify(envelope.signatures[0].sig, records.pae(records.STEP_TYPE, envelope.payload))


def test_step_record_round_trips_to_identical_bytes() -> None:
    data = leaf()
    envelope = records.open_envelope(data)
    assert envelope.decode() == STEP
    assert envelope.encode() == data
    assert records.encode_payload(envelope.decode()) == envelope.payload


def test_step_payload_is_canonical_json_with_every_member() -> None:
    payload = records.open_envelope(leaf()).payload
    assert canonical.decode_canonical(payload) == STEP.to_json()
    assert sorted(STEP.to_json()) == [
        "actor", "at", "attachments", "comment", "definition", "doc_id", "fields", "from_state", "key_id", "kind",
        "log_origin", "observed", "place", "prev_step_hash", "role", "step_seq", "tallies", "title", "to_state",
        "transition"]


def test_golden_leaf_bytes_do_not_drift() -> None:
    """Ed25519 is deterministic, so a fixed key and record give fixed bytes; any format change shows here."""
    assert hashlib.sha256(leaf()).hexdigest() == "ee660bdd86a23623b84606d65b90013f824c47228fa8b28a86f66188f1c3d605"


def test_signed_step_in_the_database_records_what_happened(county: County) -> None:
    service = county.service
    doc_id = service.start("party_secretary", "major_decision_4y2g", VILLAGE, "修建村组道路",
                           {"matter": "修建二组道路", "amount": "85000"}, [Upload("proposal", "方案.txt", b"plan")],
                           password=PASSWORD)
    county.clock.advance(minutes=5)
    service.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
                 [Upload("consult_record", "两委会议记录.pdf", b"%PDF minutes")], comment="  照章办理 ",
                 password=PASSWORD)
    with county.db.read() as s:
        entries = [leaf for _, leaf in log.entries(s)]
    first, second = (records.open_envelope(e).decode() for e in entries[-2:])
    signer = records.open_envelope(entries[-1]).signatures[0]
    assert second.to_json() == {
        "log_origin": "cunwu.test/lianyuan", "doc_id": doc_id,
        "definition": {"id": "major_decision_4y2g", "version": 1}, "title": "修建村组道路",
        "place": "涟源市/石马山镇/石门坎村", "step_seq": 1, "transition": "d_consult", "kind": "forward",
        "from_state": "d_proposed", "to_state": "d_consulted", "actor": "party_secretary", "role": "party_secretary",
        "at": "2026-03-02T09:05:00.000000Z", "fields": {"consult_minutes": "同意"},
        "tallies": {"consult_tally": {"expected": 7, "present": 7, "yes": 6, "no": 1, "abstain": 0}},
        "comment": "照章办理",
        "attachments": [{"slot": "consult_record", "name": "两委会议记录.pdf", "media_type": "application/pdf",
                         "size": 12, "sha256": hashlib.sha256(b"%PDF minutes").hexdigest()}],
        "prev_step_hash": records.leaf_hash_hex(entries[-2]), "key_id": signer.key_id,
        "observed": {"size": len(entries) - 1,
                     "root": merkle.root_hash([merkle.leaf_hash(e) for e in entries[:-1]]).hex()},
    }
    assert (first.step_seq, first.prev_step_hash, first.from_state) == (0, None, None)


@pytest.mark.parametrize("change,message", [
    (lambda p: p.pop("comment"), "step members wrong: missing ['comment'], unexpected []"),
    (lambda p: p.update(extra=1), "step members wrong: missing [], unexpected ['extra']"),
    (lambda p: p.update(step_seq=-1), "step_seq must be an integer of at least 0"),
    (lambda p: p.update(prev_step_hash=None), "prev_step_hash must be null exactly for step 0"),
    (lambda p: p.update(at="2026-03-02T09:00:00Z"), "at must be a UTC time like 2026-03-02T09:00:00.000000Z"),
    (lambda p: p.update(at="2026-02-30T09:00:00.000000Z"),
     "at 2026-02-30T09:00:00.000000Z is not a real date and time"),
    (lambda p: p.update(key_id="ed25519:ABC"), "key_id must be ed25519: and 64 lower-case hex digits"),
    (lambda p: p["fields"].update(amount=[1]), "fields.amount must be a string, an integer or a boolean"),
    (lambda p: p["tallies"]["review_tally"].pop("yes"),
     "tallies.review_tally members wrong: missing ['yes'], unexpected []"),
    (lambda p: p["attachments"][0].update(media_type="text plain"),
     "attachments[0].media_type 'text plain' is not a media type"),
    (lambda p: p.update(place="涟源市//石门坎村"), "place must be a path of names separated by /"),
    (lambda p: p.update(log_origin="bad origin"),
     "log origin 'bad origin' must be 1-128 characters of A-Z a-z 0-9 . _ : / -"),
])
def test_step_schema_refuses(change, message: str) -> None:
    payload = STEP.to_json()
    change(payload)
    with pytest.raises(records.RecordError) as refused:
        records.StepRecord.from_json(payload)
    assert str(refused.value) == message


def test_tampered_payload_fails_its_signature() -> None:
    envelope = records.open_envelope(leaf())
    forged = replace(envelope, payload=envelope.payload.replace("同意".encode(), "反对".encode()))
    with pytest.raises(records.RecordError) as refused:
        forged.verify(forged.signatures[0])
    assert refused.value.code == "bad-signature"


def test_signature_under_a_swapped_public_key_is_refused() -> None:
    envelope = records.open_envelope(leaf())
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    swapped = replace(envelope.signatures[0], public_key=other)
    with pytest.raises(records.RecordError, match="is not the hash of its public key"):
        envelope.verify(swapped)


def test_key_event_for_rotation_needs_the_previous_key() -> None:
    public = KEY.public_key().public_bytes_raw()
    with pytest.raises(records.RecordError, match="previous_key_id belongs to rotate events only"):
        records.KeyEvent(log_origin="cunwu.test/x", event="rotate", username="a", key_id=KEY_ID,
                         at="2026-03-02T09:00:00.000000Z", observed=records.Observed(1, bytes(32)), name="A",
                         public_key=public)


# Fuzzing: the parser never raises anything but RecordError, and never accepts an altered entry.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_record_error(data: bytes) -> None:
    with pytest.raises(records.RecordError):
        records.open_envelope(data).decode()


@settings(max_examples=400)
@given(value=json_values)
def test_arbitrary_json_is_never_an_envelope(value: object) -> None:
    data = json.dumps(value).encode()
    try:
        records.open_envelope(data)
    except records.RecordError:
        return
    pytest.fail("an arbitrary JSON value was accepted as an envelope")


@settings(max_examples=300)
@given(value=json_values)
def test_random_payload_objects_are_refused_by_every_schema(value: object) -> None:
    for kind in (records.StepRecord, records.KeyEvent, records.Genesis, records.BagSeal):
        with pytest.raises(records.RecordError):
            kind.from_json(value)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_is_refused_or_fails_the_signature(position: int, flip: int) -> None:
    data = bytearray(leaf())
    data[position % len(data)] ^= flip
    try:
        envelope = records.open_envelope(bytes(data))
        envelope.decode()
        envelope.verify(envelope.signatures[0])
    except records.RecordError:
        return
    pytest.fail(f"changed byte {position % len(data)} went unnoticed")


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0), insert=st.binary(min_size=1, max_size=3))
def test_inserted_or_removed_bytes_are_refused(cut: int, insert: bytes) -> None:
    data = leaf()
    where = cut % len(data)
    for mutated in (data[:where] + insert + data[where:], data[:where] + data[where + 1:]):
        with pytest.raises(records.RecordError):
            envelope = records.open_envelope(mutated)
            envelope.decode()
            envelope.verify(envelope.signatures[0])


canonical_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6), inner, max_size=4),
    max_leaves=15)


@settings(max_examples=500)
@given(value=canonical_values)
def test_fast_decoder_agrees_with_the_exact_decoder_on_encodings(value: object) -> None:
    try:
        data = canonical.encode(value)
    except canonical.CanonicalError:
        return
    assert records.decode_canonical(data) == canonical.decode_canonical(data)


@settings(max_examples=500)
@given(value=canonical_values, spacing=st.sampled_from([(", ", ": "), (",", ":")]), sort=st.booleans(),
       ascii_only=st.booleans())
def test_fast_decoder_accepts_exactly_what_the_exact_decoder_accepts(value: object, spacing: tuple[str, str],
                                                                     sort: bool, ascii_only: bool) -> None:
    data = json.dumps(value, separators=spacing, sort_keys=sort, ensure_ascii=ascii_only).encode()
    try:
        expected = canonical.decode_canonical(data)
    except canonical.CanonicalError:
        with pytest.raises(records.RecordError):
            records.decode_canonical(data)
        return
    assert records.decode_canonical(data) == expected


def test_fast_decoder_keeps_utf16_key_order_for_characters_beyond_the_bmp() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2}
    data = canonical.encode(value)
    assert data.index("😀".encode()) < data.index("ﬁ".encode())
    assert records.decode_canonical(data) == value
    with pytest.raises(records.RecordError) as refused:
        records.decode_canonical(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    assert refused.value.code == "non-canonical"


def test_base64_with_another_spelling_of_the_same_bytes_is_refused() -> None:
    obj = json.loads(leaf())
    sig = obj["signatures"][0]["sig"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    respelt = sig[:-3] + alphabet[alphabet.index(sig[-3]) ^ 1] + "=="
    assert base64.b64decode(respelt) == base64.b64decode(sig)
    obj["signatures"][0]["sig"] = respelt
    with pytest.raises(records.RecordError, match="sig is not canonical base64"):
        records.open_envelope(canonical.encode(obj))


@settings(max_examples=200, deadline=None)
@given(comment=st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
       doc_id=st.integers(1, 2**40), attached=st.booleans())
def test_peeked_doc_id_is_the_one_the_record_holds(comment: str | None, doc_id: int, attached: bool) -> None:
    try:
        record = replace(STEP, doc_id=doc_id, comment=comment, attachments=STEP.attachments if attached else ())
        payload = records.sign(record, [KEY]).payload
    except canonical.CanonicalError:
        return
    assert records.peek_doc_id(payload) == doc_id


def test_peek_finds_nothing_in_a_payload_that_is_not_canonical() -> None:
    payload = records.open_envelope(leaf()).payload
    assert records.peek_doc_id(payload.replace(b',"doc_id":', b', "doc_id":')) is None


def test_sorted_compact_dump_is_jcs_for_every_character_of_the_bmp() -> None:
    """The fast canonical check compares with orjson's sorted dump; it must be RFC 8785 wherever it is used."""
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        value = {"k" + char: char + "v", char: [code]}
        assert records._sorted_compact(value) == rfc8785.dumps(value), f"U+{code:04X}"


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255),
       cut=st.integers(min_value=0), insert=st.binary(max_size=3))
def test_envelope_fast_path_agrees_with_the_json_parser(position: int, flip: int, cut: int, insert: bytes) -> None:
    data = bytearray(leaf())
    data[position % len(data)] ^= flip
    where = cut % len(data)
    for mutated in (bytes(data), leaf()[:where] + insert + leaf()[where:]):
        try:
            expected = records._parsed_envelope(mutated)
        except records.RecordError as exc:
            with pytest.raises(records.RecordError) as refused:
                records.open_envelope(mutated)
            assert (str(refused.value), refused.value.code) == (str(exc), exc.code)
            continue
        assert records.open_envelope(mutated) == expected


@pytest.mark.parametrize("value", [1.5, 2**53, -(2**60), 1e3])
def test_numbers_outside_the_signing_policy_are_non_canonical_whichever_path_reads_them(value: object) -> None:
    """orjson reads floats and large integers that the standard library's hooks refuse; the record says
    the same either way."""
    record = STEP.to_json()
    record["fields"]["count"] = value
    payload = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    envelope = records.Envelope(records.STEP_TYPE, payload, records.open_envelope(leaf()).signatures)
    with pytest.raises(records.RecordError) as refused:
        envelope.decode()
    assert refused.value.code == "non-canonical"
