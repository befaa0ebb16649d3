"""Keeping the portal's open forms usable by villagers and costly for abuse, with no outside service.

- A per-client rate limit (the `limits` library's moving window, in this process's memory): a client is
  its address as the server sees it, so behind a reverse proxy the proxy must pass the real address on
  (werkzeug's ProxyFix). Limits are settings: VOICE_SUBMIT_LIMIT, VOICE_LOOKUP_LIMIT.
- A question a person answers at a glance (7 加 5 等于几), issued with the form: the page carries a signed,
  timed token holding only a salted hash of the answer and a nonce, and a nonce is accepted once, so a
  solved form cannot be replayed. It asks nothing of a third party and works without script.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from workflow.errors import InputError
from workflow.messages import Code

CHALLENGE_WRONG = Code("voice.challenge-wrong", "验证题答案不正确，请重新计算后填写")
CHALLENGE_EXPIRED = Code("voice.challenge-expired", "验证题已过期或已使用，请重新填写页面上的新题")
NUMERALS = "零一二三四五六七八九"
CHALLENGE_SECONDS = 30 * 60


@dataclass(frozen=True)
class Question:
    text: str
    token: str


class Throttle:
    """Hits per client and purpose in a moving window; `allow` says whether one more is within the limit."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, purpose: str, limit: str, client: str) -> bool:
        items = parse_many(limit)
        if not all(self._limiter.test(item, purpose, client) for item in items):
            return False
        return all([self._limiter.hit(item, purpose, client) for item in items])


@dataclass
class Challenges:
    secret: bytes
    clock: Callable[[], datetime]
    _used: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="cunwu-voice-challenge")

    def issue(self) -> Question:
        a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
        nonce = secrets.token_urlsafe(12)
        token = self._signer.dumps({"n": nonce, "h": self._digest(nonce, a + b)})
        return Question(f"{NUMERALS[a]} 加 {NUMERALS[b]} 等于几？", token)

    def check(self, token: str, answer: str) -> None:
        """Accept a right answer once within half an hour; raise InputError otherwise."""
        now = self.clock().timestamp()
        try:
            payload = self._signer.loads(token or "", max_age=CHALLENGE_SECONDS)
            nonce, digest = str(payload["n"]), str(payload["h"])
        except (BadSignature, SignatureExpired, KeyError, TypeError):
            raise InputError(CHALLENGE_EXPIRED()) from None
        given = (answer or "").strip()
        if not given.isdigit() or not hmac.compare_digest(digest, self._digest(nonce, int(given))):
            raise InputError(CHALLENGE_WRONG())
        with self._lock:
            for old in [n for n, at in self._used.items() if at < now - CHALLENGE_SECONDS]:
                del self._used[old]
            if nonce in self._used:
                raise InputError(CHALLENGE_EXPIRED())
            self._used[nonce] = now

    def _digest(self, nonce: str, value: int) -> str:
        return hashlib.sha256(self.secret + f"|{nonce}|{value}".encode()).hexdigest()
