"""The portal's desk: the account that signs what villagers send without an account.

A villager has no key, yet every step must be signed like any other. The portal's account
(directory.PORTAL_USERNAME, holding the `villager` role and nothing else) signs for them: its key is
registered in the log like a person's, sealed under a random secret kept beside the server's own keys
(0600 in <home>/keys), because like the log key it is used unattended. It is created on the first
submission and unlocked once per process. The role is granted in a county when a villager of that county
first sends something, so a county added later needs no step by hand.
"""
from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.engine.flowchart import Support
from workflow.errors import NotFound
from workflow.ledger.keyring import Keyring, Signer
from workflow.messages import Code
from workflow.people import directory
from workflow.store.database import Database
from workflow.store.tables import Place, RoleAssignment, User

SECRET_FILE = "portal.secret"
PORTAL_TITLE = "村务公开平台（村民诉求受理）"
NOT_A_COUNTY = Code("voice.not-a-county", "地点 %(place)s 不是县（市）")


class Desk:
    def __init__(self, home: Path, db: Database, keyring: Keyring, support: Support) -> None:
        self.home = home
        self.db = db
        self.keyring = keyring
        self.support = support
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    @property
    def username(self) -> str:
        return directory.PORTAL_USERNAME

    def signer(self, county_id: int) -> Signer:
        """The portal's unlocked key, with its role held in the county; the account is made on first use."""
        with self._lock:
            secret = self._secret()
            try:
                with self.db.write() as s:
                    county = s.get(Place, county_id)
                    if county is None or county.kind != "county":
                        raise NotFound(NOT_A_COUNTY(place=county_id))
                    user = s.scalar(select(User).where(User.username == self.username))
                    if user is None:
                        directory.add_user_with_hash(s, self.support, self.username, PORTAL_TITLE,
                                                     directory.hash_password(secret), directory.PORTAL_ROLE,
                                                     county.path(), password=secret, keyring=self.keyring)
                    else:
                        self._grant(s, user, county)
            except IntegrityError:
                pass  # another process made the account or the grant at the same moment
            if self._signer is None:
                with self.db.read() as s:
                    user = directory.find_user(s, self.username)
                    self._signer = self.keyring.unlock(s, user, secret)
            return self._signer

    def _grant(self, s: Session, user: User, county: Place) -> None:
        held = s.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user.id,
                                                        RoleAssignment.role == directory.PORTAL_ROLE,
                                                        RoleAssignment.place_id == county.id))
        if held is None:
            directory.grant(s, self.support, user, directory.PORTAL_ROLE, county.path())

    def _secret(self) -> str:
        """The random secret the key is sealed under, written once (0600, never overwritten)."""
        path = self.home / "keys" / SECRET_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        value = secrets.token_urlsafe(32)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        return value
