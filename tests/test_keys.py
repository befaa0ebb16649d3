"""Personal Ed25519 keys: ids, RFC 8032 known answer, Argon2id + AES-GCM wrapping."""

import base64
import dataclasses
import hashlib
import json
import os

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workflow.ledger.keys import (
    FORMAT,
    INTERACTIVE_KDF,
    EncryptedKey,
    KdfParams,
    KeyBlobError,
    WrongPassword,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
    key_id,
    public_key_bytes,
)

# Cheap parameters so the suite stays fast; production uses INTERACTIVE_KDF.
FAST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
PASSWORD = "村务监督 2025!"

# RFC 8032 §7.1 TEST 1.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
    "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(RFC8032_SEED)


@pytest.fixture
def blob(private_key: Ed25519PrivateKey) -> EncryptedKey:
    return encrypt_private_key(private_key, PASSWORD, kdf=FAST_KDF)


def _flip_first_bit(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def test_rfc8032_test1_seed_gives_published_public_key(private_key: Ed25519PrivateKey) -> None:
    assert public_key_bytes(private_key) == RFC8032_PUBLIC


def test_rfc8032_test1_signs_empty_message_as_published(private_key: Ed25519PrivateKey) -> None:
    assert private_key.sign(b"") == RFC8032_SIGNATURE


def test_key_id_is_prefixed_full_sha256_of_raw_public_key() -> None:
    assert key_id(RFC8032_PUBLIC) == "ed25519:" + hashlib.sha256(RFC8032_PUBLIC).hexdigest()
    assert len(key_id(RFC8032_PUBLIC)) == len("ed25519:") + 64


def test_key_id_refuses_wrong_length_public_key() -> None:
    with pytest.raises(KeyBlobError, match="public key must be 32 bytes"):
        key_id(RFC8032_PUBLIC[:31])


def test_generated_keys_differ() -> None:
    assert public_key_bytes(generate_private_key()) != public_key_bytes(generate_private_key())


def test_round_trip_returns_the_same_seed(blob: EncryptedKey) -> None:
    assert decrypt_private_key(blob, PASSWORD).private_bytes_raw() == RFC8032_SEED


def test_round_trip_through_json_returns_the_same_seed(blob: EncryptedKey) -> None:
    stored = json.loads(json.dumps(blob.to_dict()))
    restored = decrypt_private_key(EncryptedKey.from_dict(stored), PASSWORD)
    assert restored.private_bytes_raw() == RFC8032_SEED


def test_from_dict_inverts_to_dict(blob: EncryptedKey) -> None:
    assert EncryptedKey.from_dict(blob.to_dict()) == blob


def test_blob_records_identity_and_kdf_parameters(blob: EncryptedKey) -> None:
    stored = blob.to_dict()
    assert stored["format"] == FORMAT
    assert stored["key_id"] == key_id(RFC8032_PUBLIC)
    assert base64.b64decode(stored["public_key"]) == RFC8032_PUBLIC
    assert {k: v for k, v in stored["kdf"].items() if k != "salt"} == {
        "alg": "argon2id",
        "version": 19,
        "time_cost": 1,
        "memory_cost_kib": 8,
        "parallelism": 1,
    }
    assert stored["cipher"]["alg"] == "aes-256-gcm"


def test_interactive_kdf_is_argon2id_t3_64mib_p1() -> None:
    assert INTERACTIVE_KDF == KdfParams(time_cost=3, memory_cost_kib=65536, parallelism=1)


def test_default_kdf_round_trip(private_key: Ed25519PrivateKey) -> None:
    blob = encrypt_private_key(private_key, PASSWORD)
    assert blob.kdf == INTERACTIVE_KDF
    assert decrypt_private_key(blob, PASSWORD).private_bytes_raw() == RFC8032_SEED


def test_each_encryption_uses_fresh_salt_and_nonce(private_key: Ed25519PrivateKey) -> None:
    first = encrypt_private_key(private_key, PASSWORD, kdf=FAST_KDF)
    second = encrypt_private_key(private_key, PASSWORD, kdf=FAST_KDF)
    assert first.salt != second.salt
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_wrong_password_raises_wrong_password(blob: EncryptedKey) -> None:
    with pytest.raises(WrongPassword, match="wrong password, or the encrypted key was altered"):
        decrypt_private_key(blob, PASSWORD + "x")


def test_password_is_nfkc_normalised(private_key: Ed25519PrivateKey) -> None:
    blob = encrypt_private_key(private_key, "村务１２３", kdf=FAST_KDF)
    assert decrypt_private_key(blob, "村务123").private_bytes_raw() == RFC8032_SEED


def test_empty_password_refused(private_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="password must not be empty"):
        encrypt_private_key(private_key, "", kdf=FAST_KDF)


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "salt"])
def test_tampered_field_raises_wrong_password(blob: EncryptedKey, field: str) -> None:
    tampered = dataclasses.replace(blob, **{field: _flip_first_bit(getattr(blob, field))})
    with pytest.raises(WrongPassword):
        decrypt_private_key(tampered, PASSWORD)


def test_changed_kdf_parameters_raise_wrong_password(blob: EncryptedKey) -> None:
    stronger = KdfParams(time_cost=2, memory_cost_kib=8, parallelism=1)
    tampered = dataclasses.replace(blob, kdf=stronger)
    with pytest.raises(WrongPassword):
        decrypt_private_key(tampered, PASSWORD)


def test_blob_moved_to_another_key_raises_wrong_password(blob: EncryptedKey) -> None:
    other = public_key_bytes(generate_private_key())
    moved = dataclasses.replace(blob, key_id=key_id(other), public_key=other)
    with pytest.raises(WrongPassword):
        decrypt_private_key(moved, PASSWORD)


def test_key_id_that_does_not_match_public_key_refused(blob: EncryptedKey) -> None:
    with pytest.raises(KeyBlobError, match="key_id does not match public_key"):
        dataclasses.replace(blob, key_id=key_id(bytes(32)))


def test_decrypted_seed_for_another_public_key_refused() -> None:
    """A blob built by hand per the documented format, sealing a seed that is not the key's."""
    identity = key_id(RFC8032_PUBLIC)
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = hash_secret_raw(PASSWORD.encode(), salt, 1, 8, 1, 32, Type.ID)
    aad = f"{FORMAT}\n{identity}".encode()
    sealed = AESGCM(kek).encrypt(nonce, bytes(32), aad)
    blob = EncryptedKey(identity, RFC8032_PUBLIC, FAST_KDF, salt, nonce, sealed)
    message = "decrypted seed does not belong to the blob's public key"
    with pytest.raises(KeyBlobError, match=message):
        decrypt_private_key(blob, PASSWORD)


def _edited(stored: dict, path: tuple[str, ...], value: object) -> dict:
    edited = json.loads(json.dumps(stored))
    target = edited
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return edited


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("format",), "other/v1", "unknown key blob format 'other/v1'"),
        (("ciphertext",), ..., "missing \\['ciphertext'\\]"),
        (("extra",), 1, "unexpected \\['extra'\\]"),
        (("kdf", "alg"), "argon2i", "kdf must be argon2id version 19"),
        (("kdf", "version"), 16, "kdf must be argon2id version 19"),
        (("kdf", "time_cost"), True, "time_cost must be an int in 1..16"),
        (("kdf", "memory_cost_kib"), 2**40, "memory_cost_kib must be an int in 8..1048576"),
        (("kdf", "parallelism"), 0, "parallelism must be an int in 1..8"),
        (("kdf", "salt"), "AAAA", "salt must be 16 bytes"),
        (("cipher", "alg"), "chacha20-poly1305", "cipher must be aes-256-gcm"),
        (("cipher", "nonce"), "not base64!", "nonce is not valid base64"),
        (("public_key",), 7, "public_key must be a base64 string"),
        (("key_id",), None, "key_id must be a string"),
    ],
)
def test_from_dict_refuses_malformed_blob(
    blob: EncryptedKey, path: tuple[str, ...], value: object, message: str
) -> None:
    with pytest.raises(KeyBlobError, match=message):
        EncryptedKey.from_dict(_edited(blob.to_dict(), path, value))


def test_from_dict_refuses_non_canonical_base64(blob: EncryptedKey) -> None:
    stored = blob.to_dict()
    salt = stored["kdf"]["salt"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    alias = salt[:-3] + alphabet[alphabet.index(salt[-3]) ^ 1] + "=="
    assert base64.b64decode(alias) == base64.b64decode(salt)
    with pytest.raises(KeyBlobError, match="salt is not canonical base64"):
        EncryptedKey.from_dict(_edited(stored, ("kdf", "salt"), alias))


def test_reprs_and_errors_do_not_reveal_the_seed(
    private_key: Ed25519PrivateKey, blob: EncryptedKey
) -> None:
    with pytest.raises(WrongPassword) as wrong:
        decrypt_private_key(blob, "guess")
    texts = [repr(blob), str(blob), repr(private_key), str(private_key)]
    texts += [str(wrong.value), repr(wrong.value)]
    forms = [RFC8032_SEED.hex(), base64.b64encode(RFC8032_SEED).decode(), repr(RFC8032_SEED)[2:-1]]
    assert [form for form in forms for text in texts if form in text] == []


def test_wrong_password_error_has_no_chained_cause(blob: EncryptedKey) -> None:
    with pytest.raises(WrongPassword) as wrong:
        decrypt_private_key(blob, "guess")
    assert wrong.value.__cause__ is None and wrong.value.__suppress_context__
