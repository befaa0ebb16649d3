"""Who may sign what: the installation's log and registrar keys, and every person's signing key.

How the first keys come to exist. `cunwu init` creates two Ed25519 keys in <home>/keys: the log key,
which signs a checkpoint after every append, and the registrar key, which signs the key events that
register, rotate and revoke people's keys. Both are used unattended by the server, so they are stored as
files only the service account can read (0600 in a 0700 directory) rather than under a password: a
password would have to be stored on the same server to be usable, which protects nothing against the
attacker the design assumes, one who reads the server's files. What that attacker still cannot do is
rewrite anchored history. Entry 0 of the log (the genesis) names both public keys, so every checkpoint
posted on the 村务公开栏 or held by the township pins them; every person's key is sealed under that
person's own password, so signing in someone's name needs their password or a new registrar-signed key
event, and such an event is itself a visible log entry that later anchors fix in place. Moving the
registrar key onto an officer's own device (and m-of-n registrars) is the natural next step; the event
format already allows several signatures.

Personal keys are sealed with Argon2id + AES-GCM (workflow.keys) under the same password that logs the
person in, and live in the user_keys table. That table is working state for the signer; the key events in
the log are what an auditor believes.
"""
from __future__ import annotations

import base64
import json
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import CunwuError, InputError, PermissionDenied
from workflow.ledger import keys, log, records
from workflow.store.database import utcnow
from workflow.store.tables import User, UserKey

KEY_FILE_FORMAT = "cunwu-server-key/v1"
LOG_KEY_FILE = "log.key"
REGISTRAR_KEY_FILE = "registrar.key"


@dataclass(frozen=True)
class Signer:
    """A person's key, unlocked by their password for the one step being signed."""

    user_id: int
    username: str
    key_id: str
    private_key: Ed25519PrivateKey = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The log key, the registrar key, and the Argon2id cost used to seal new personal keys."""

    log: log.LogKey
    registrar: Ed25519PrivateKey = field(repr=False)
    user_kdf: keys.KdfParams = keys.INTERACTIVE_KDF

    @classmethod
    def create(cls, home: Path, origin: str, *, user_kdf: keys.KdfParams = keys.INTERACTIVE_KDF) -> "Keyring":
        """Make fresh keys for a new installation; refuses to overwrite existing ones."""
        records.check_origin(origin)
        directory = home / "keys"
        if (directory / LOG_KEY_FILE).exists() or (directory / REGISTRAR_KEY_FILE).exists():
            raise CunwuError(f"{directory} 中已有签名密钥，不会覆盖")
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        ring = cls(log.LogKey(origin, Ed25519PrivateKey.generate()), Ed25519PrivateKey.generate(), user_kdf)
        _write_key(directory / LOG_KEY_FILE, "log", ring.log.private_key, origin)
        _write_key(directory / REGISTRAR_KEY_FILE, "registrar", ring.registrar, None)
        return ring

    @classmethod
    def load(cls, home: Path, *, user_kdf: keys.KdfParams = keys.INTERACTIVE_KDF) -> "Keyring":
        directory = home / "keys"
        if not (directory / LOG_KEY_FILE).exists():
            raise CunwuError(f"数据目录 {home} 中没有签名密钥，请先运行 cunwu init")
        log_key, body = _read_key(directory / LOG_KEY_FILE, "log")
        registrar, _ = _read_key(directory / REGISTRAR_KEY_FILE, "registrar")
        return cls(log.LogKey(body["origin"], log_key), registrar, user_kdf)

    @property
    def registrar_public_key(self) -> bytes:
        return self.registrar.public_key().public_bytes_raw()

    def genesis(self, now: datetime) -> records.Genesis:
        public = self.registrar_public_key
        return records.Genesis(log_origin=self.log.origin, log_key=self.log.vkey,
                               registrar_key_id=keys.key_id(public), registrar_public_key=public,
                               at=records.utc_timestamp(now))

    def bootstrap(self, session: Session, now: Optional[datetime] = None) -> None:
        """Write the genesis entry into an empty log, or check that the log's genesis names these keys."""
        head = log.head(session, lock=True)
        if head.size == 0:
            envelope = records.sign(self.genesis(now or utcnow()), [self.registrar])
            log.append(session, self.log, envelope.encode(), head)
        else:
            self.check_genesis(session)

    def check_genesis(self, session: Session) -> None:
        """Refuse to sign with keys the log does not name, which would only produce unverifiable entries."""
        try:
            genesis = records.open_envelope(log.leaf(session, 0)).decode()
        except (LookupError, records.RecordError) as exc:
            raise CunwuError(f"签名日志的第 0 条不是有效的创始记录：{exc}") from None
        if not isinstance(genesis, records.Genesis) or genesis.log_key != self.log.vkey \
                or genesis.registrar_public_key != self.registrar_public_key:
            raise CunwuError("数据目录中的签名密钥与数据库中的签名日志不符（创始记录指定了其他密钥）")

    def register(self, session: Session, user: User, password: str, now: Optional[datetime] = None) -> UserKey:
        """Give a new person their first key, sealed under their password, and log the registration."""
        if self._active(session, user) is not None:
            raise InputError(f"{user.username} 已有有效的签名密钥（更换请用 cunwu key rotate）")
        return self._issue(session, user, password, None, now)

    def rotate(self, session: Session, user: User, password: str, now: Optional[datetime] = None) -> UserKey:
        """Replace the person's key (or re-issue one after revocation) under the given password."""
        return self._issue(session, user, password, self._active(session, user), now)

    def revoke(self, session: Session, user: User, reason: str, now: Optional[datetime] = None) -> UserKey:
        """Stop a key from signing; entries logged after this event and signed by it fail verification."""
        if reason not in records.REVOKE_REASONS:
            raise InputError(f"吊销原因须为 {'、'.join(records.REVOKE_REASONS)} 之一，而不是“{reason}”")
        active = self._active(session, user)
        if active is None:
            raise InputError(f"{user.username} 没有有效的签名密钥")
        head = log.head(session, lock=True)
        event = records.KeyEvent(log_origin=self.log.origin, event="revoke", username=user.username,
                                 key_id=active.key_id, at=records.utc_timestamp(now or utcnow()),
                                 observed=head.observed, reason=reason)
        appended = log.append(session, self.log, records.sign(event, [self.registrar]).encode(), head)
        active.revoked_index, active.revoked_reason = appended.index, reason
        session.flush()
        return active

    def unlock(self, session: Session, user: User, password: str) -> Signer:
        """Open the person's active key with their password; the same refusal for any wrong password."""
        active = self._active(session, user)
        if active is None:
            raise PermissionDenied(f"{user.display_name}（{user.username}）没有有效的签名密钥，"
                                   "请管理员用 cunwu key rotate 重新发放")
        try:
            private_key = keys.decrypt_private_key(keys.EncryptedKey.from_dict(active.sealed), password)
        except keys.WrongPassword:
            raise PermissionDenied("用户名或密码不正确") from None
        return Signer(user.id, user.username, active.key_id, private_key)

    def require_active(self, session: Session, signer: Signer) -> None:
        """Re-check inside the writing transaction that the unlocked key was not revoked meanwhile."""
        row = session.get(UserKey, signer.key_id)
        if row is None or row.user_id != signer.user_id or row.revoked_index is not None:
            raise PermissionDenied(f"{signer.username} 的签名密钥已被吊销或更换，请重新办理")

    def _issue(self, session: Session, user: User, password: str, previous: Optional[UserKey],
               now: Optional[datetime]) -> UserKey:
        private_key = keys.generate_private_key()
        sealed = keys.encrypt_private_key(private_key, password, kdf=self.user_kdf)
        head = log.head(session, lock=True)
        event = records.KeyEvent(
            log_origin=self.log.origin, event="register" if previous is None else "rotate",
            username=user.username, key_id=sealed.key_id, at=records.utc_timestamp(now or utcnow()),
            observed=head.observed, name=unicodedata.normalize("NFC", user.display_name),
            public_key=sealed.public_key, previous_key_id=None if previous is None else previous.key_id)
        appended = log.append(session, self.log, records.sign(event, [self.registrar]).encode(), head)
        if previous is not None:
            previous.revoked_index, previous.revoked_reason = appended.index, "superseded"
        row = UserKey(key_id=sealed.key_id, user_id=user.id, sealed=sealed.to_dict(),
                      registered_index=appended.index)
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _active(session: Session, user: User) -> Optional[UserKey]:
        return session.scalar(select(UserKey).where(UserKey.user_id == user.id, UserKey.revoked_index.is_(None))
                              .order_by(UserKey.registered_index.desc()).limit(1))


def _write_key(path: Path, purpose: str, key: Ed25519PrivateKey, origin: Optional[str]) -> None:
    body = {"format": KEY_FILE_FORMAT, "purpose": purpose,
            "seed": base64.b64encode(key.private_bytes_raw()).decode("ascii")}
    if origin is not None:
        body["origin"] = origin
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
        json.dump(body, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _read_key(path: Path, purpose: str) -> tuple[Ed25519PrivateKey, dict]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body["format"] != KEY_FILE_FORMAT or body["purpose"] != purpose:
            raise ValueError("wrong format or purpose")
        if purpose == "log":
            records.check_origin(body["origin"])
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(body["seed"], validate=True)), body
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CunwuError(f"无法读取签名密钥文件 {path}：{exc}") from None
