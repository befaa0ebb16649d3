"""Ed25519 signing keys for people, and password wrapping of their private seeds at rest.

Each cadre signs workflow steps with a personal Ed25519 key. The registry names a key by
`ed25519:<sha256 hex of the raw public key>`: the full hash, because the id is identity
and a truncated hash could be collided.

The seed is wrapped with a key derived from the person's password by Argon2id and
sealed with AES-256-GCM, rather than PKCS#8 `BestAvailableEncryption`, which is PBKDF2
with 2,048 iterations and cheap to brute-force offline. The Argon2 parameters travel
with the ciphertext so they can be raised later without breaking old blobs, and the GCM
associated data binds the blob to its key id, so a blob moved onto another key's record
does not decrypt. Wrapped blob, as a JSON-safe dict (base64 is standard with padding):

    {"format": "cunwu-ed25519-seed/v1", "key_id": "ed25519:<hex>", "public_key": b64,
     "kdf": {"alg": "argon2id", "version": 19, "time_cost": t, "memory_cost_kib": m,
             "parallelism": p, "salt": b64(16 bytes)},
     "cipher": {"alg": "aes-256-gcm", "nonce": b64(12 bytes)},
     "ciphertext": b64(AES-GCM(seed) with AAD "cunwu-ed25519-seed/v1\\n" + key_id)}

Seeds never appear in logs, reprs or exception messages. Python cannot wipe bytes from
memory, so a decrypted key lives until garbage collection; keep it only as long as needed.
"""

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workflow.ledger import b64

FORMAT = "cunwu-ed25519-seed/v1"
KEY_ID_PREFIX = "ed25519:"
PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SALT_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16
MAX_TIME_COST = 16
MAX_MEMORY_COST_KIB = 1024 * 1024
MAX_PARALLELISM = 8


class WrongPassword(Exception):
    """The password does not open this key, or the sealed seed was altered (GCM cannot tell)."""


class KeyBlobError(ValueError):
    """An encrypted key blob or key material is malformed or inconsistent."""


def _check_int(value: object, what: str, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise KeyBlobError(f"{what} must be an int in {low}..{high}, got {value!r}")


def _check_bytes(value: object, what: str, size: int) -> None:
    if not isinstance(value, bytes) or len(value) != size:
        raise KeyBlobError(f"{what} must be {size} bytes")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters; memory_cost_kib is in KiB as Argon2 defines it."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        _check_int(self.time_cost, "time_cost", 1, MAX_TIME_COST)
        _check_int(self.parallelism, "parallelism", 1, MAX_PARALLELISM)
        _check_int(
            self.memory_cost_kib, "memory_cost_kib", 8 * self.parallelism, MAX_MEMORY_COST_KIB
        )


# About 0.2 s per derivation on one core of the 2-core server: tolerable at login, and well
# above OWASP's Argon2id floor (19 MiB, t=2, p=1) against offline guessing. p=1 keeps one
# login from occupying both cores.
INTERACTIVE_KDF = KdfParams(time_cost=3, memory_cost_kib=64 * 1024, parallelism=1)


@dataclass(frozen=True)
class EncryptedKey:
    """A password-wrapped Ed25519 seed together with its public identity."""

    key_id: str
    public_key: bytes = field(repr=False)
    kdf: KdfParams
    salt: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_bytes(self.public_key, "public_key", PUBLIC_KEY_SIZE)
        if self.key_id != key_id(self.public_key):
            raise KeyBlobError("key_id does not match public_key")
        if not isinstance(self.kdf, KdfParams):
            raise KeyBlobError("kdf must be KdfParams")
        _check_bytes(self.salt, "salt", SALT_SIZE)
        _check_bytes(self.nonce, "nonce", NONCE_SIZE)
        _check_bytes(self.ciphertext, "ciphertext", SEED_SIZE + TAG_SIZE)

    def to_dict(self) -> dict[str, Any]:
        """Serialise for JSON storage on the person's device or in the key table."""
        return {
            "format": FORMAT,
            "key_id": self.key_id,
            "public_key": b64.encode(self.public_key),
            "kdf": {
                "alg": "argon2id",
                "version": ARGON2_VERSION,
                "time_cost": self.kdf.time_cost,
                "memory_cost_kib": self.kdf.memory_cost_kib,
                "parallelism": self.kdf.parallelism,
                "salt": b64.encode(self.salt),
            },
            "cipher": {"alg": "aes-256-gcm", "nonce": b64.encode(self.nonce)},
            "ciphertext": b64.encode(self.ciphertext),
        }

    @classmethod
    def from_dict(cls, data: object) -> "EncryptedKey":
        """Load a stored blob, refusing unknown formats, extra fields and out-of-range costs."""
        blob = _exact_fields(
            data, "blob", {"format", "key_id", "public_key", "kdf", "cipher", "ciphertext"}
        )
        if blob["format"] != FORMAT:
            raise KeyBlobError(f"unknown key blob format {blob['format']!r}")
        kdf = _exact_fields(
            blob["kdf"],
            "kdf",
            {"alg", "version", "time_cost", "memory_cost_kib", "parallelism", "salt"},
        )
        version = kdf["version"]
        if kdf["alg"] != "argon2id" or type(version) is not int or version != ARGON2_VERSION:
            raise KeyBlobError("kdf must be argon2id version 19")
        cipher = _exact_fields(blob["cipher"], "cipher", {"alg", "nonce"})
        if cipher["alg"] != "aes-256-gcm":
            raise KeyBlobError("cipher must be aes-256-gcm")
        if not isinstance(blob["key_id"], str):
            raise KeyBlobError("key_id must be a string")
        return cls(
            key_id=blob["key_id"],
            public_key=b64.decode(blob["public_key"], "public_key", KeyBlobError),
            kdf=KdfParams(kdf["time_cost"], kdf["memory_cost_kib"], kdf["parallelism"]),
            salt=b64.decode(kdf["salt"], "salt", KeyBlobError),
            nonce=b64.decode(cipher["nonce"], "nonce", KeyBlobError),
            ciphertext=b64.decode(blob["ciphertext"], "ciphertext", KeyBlobError),
        )


def generate_private_key() -> Ed25519PrivateKey:
    """Create a new personal signing key from the OS random source."""
    return Ed25519PrivateKey.generate()


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte raw public key, the form stored in the key registry."""
    return private_key.public_key().public_bytes_raw()


def key_id(public_key: bytes) -> str:
    """Stable identifier of a public key: `ed25519:` + full SHA-256 hex of the raw key."""
    _check_bytes(public_key, "public key", PUBLIC_KEY_SIZE)
    return KEY_ID_PREFIX + hashlib.sha256(public_key).hexdigest()


def encrypt_private_key(
    private_key: Ed25519PrivateKey, password: str, *, kdf: KdfParams = INTERACTIVE_KDF
) -> EncryptedKey:
    """Wrap the seed under the password; a fresh salt and nonce make every blob unique."""
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyBlobError("private key must be an Ed25519PrivateKey")
    secret = _password_bytes(password)
    if not secret:
        raise ValueError("password must not be empty")
    public_key = public_key_bytes(private_key)
    identity = key_id(public_key)
    salt, nonce = os.urandom(SALT_SIZE), os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(_derive(secret, salt, kdf)).encrypt(
        nonce, private_key.private_bytes_raw(), _aad(identity)
    )
    return EncryptedKey(identity, public_key, kdf, salt, nonce, ciphertext)


def decrypt_private_key(blob: EncryptedKey, password: str) -> Ed25519PrivateKey:
    """Unwrap the seed; raises WrongPassword without saying more, so nothing leaks to a guesser."""
    if not isinstance(blob, EncryptedKey):
        raise KeyBlobError("blob must be an EncryptedKey")
    secret = _password_bytes(password)
    try:
        seed = AESGCM(_derive(secret, blob.salt, blob.kdf)).decrypt(
            blob.nonce, blob.ciphertext, _aad(blob.key_id)
        )
    except InvalidTag:
        raise WrongPassword("wrong password, or the encrypted key was altered") from None
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if public_key_bytes(private_key) != blob.public_key:
        raise KeyBlobError("decrypted seed does not belong to the blob's public key")
    return private_key


def _password_bytes(password: object) -> bytes:
    """NFKC first (NIST SP 800-63B), so the same password typed on another IME still opens."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def _derive(secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_cost_kib,
        parallelism=kdf.parallelism,
        hash_len=32,
        type=Type.ID,
        version=ARGON2_VERSION,
    )


def _aad(identity: str) -> bytes:
    return f"{FORMAT}\n{identity}".encode("ascii")


def _exact_fields(data: object, what: str, names: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise KeyBlobError(f"{what} must be an object")
    if set(data) != names:
        missing, extra = sorted(names - set(data)), sorted(map(str, set(data) - names))
        raise KeyBlobError(f"{what} fields wrong: missing {missing}, unexpected {extra}")
    return data
