"""Places (county, township, village) and people with their roles: who is who, and where.

A role is held at a place of the role's level; holding it at a township covers every village in that
township, at the county every village in the county. Passwords are stored only as Argon2id hashes.

Everyone who can take a step signs it, so creating a person also creates their signing key, sealed under
the same password they log in with, and logs its registration; one password to remember, and a key that is
useless to whoever reads the database without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.engine.flowchart import Support
from workflow.engine.schema import IDENT
from workflow.errors import InputError, NotFound, PermissionDenied
from workflow.ledger.keyring import Keyring
from workflow.messages import Code
from workflow.people import duties
from workflow.store.database import utcnow
from workflow.store.tables import Place, RoleAssignment, User, UserKey

PARENT_KIND = {"county": None, "township": "county", "village": "township"}
# The portal's own account signs what villagers send without an account (诉求, 举报, 异议, ratings); its
# role is held by nobody else, so no cadre can act as a villager.
PORTAL_USERNAME = "cunwu_portal"
PORTAL_ROLE = "villager"
PORTAL_ROLE_ONLY = Code("directory.portal-role", "“%(role)s”角色只由村务公开平台账户担任，不能授予个人")
PORTAL_NAME_RESERVED = Code("directory.portal-name", "用户名“%(username)s”保留给村务公开平台账户")
KIND_TITLE = {"county": "县（市）", "township": "乡镇", "village": "村"}
_hasher = PasswordHasher()
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Principal:
    """A signed-in person as the guards see them: their roles and where they hold them."""

    user_id: int
    username: str
    name: str
    assignments: tuple[tuple[str, int, str], ...]

    def roles_at(self, place_ids: set[int]) -> list[str]:
        return [role for role, place_id, _ in self.assignments if place_id in place_ids]

    def describe(self) -> str:
        return f"{self.name}（{self.username}）"


def principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.display_name,
                     tuple((a.role, a.place_id, a.place.path()) for a in user.assignments))


def add_place(session: Session, kind: str, name: str, parent: str | None) -> Place:
    if kind not in PARENT_KIND:
        raise InputError(f"地点类型须为 county、township 或 village，而不是“{kind}”")
    name = name.strip()
    if not name:
        raise InputError("地点名称不能为空")
    parent_place = None
    if PARENT_KIND[kind] is not None:
        if not parent:
            raise InputError(f"添加{KIND_TITLE[kind]}须用 --parent 指明所属的{KIND_TITLE[PARENT_KIND[kind]]}")
        parent_place = find_place(session, parent)
        if parent_place.kind != PARENT_KIND[kind]:
            raise InputError(f"{KIND_TITLE[kind]}的上级须为{KIND_TITLE[PARENT_KIND[kind]]}，"
                             f"而“{parent_place.name}”是{KIND_TITLE[parent_place.kind]}")
    elif parent:
        raise InputError("县（市）没有上级地点")
    exists = session.scalar(select(Place).where(
        Place.name == name, Place.kind == kind,
        Place.parent_id.is_(None) if parent_place is None else Place.parent_id == parent_place.id))
    if exists is not None:
        raise InputError(f"“{exists.path()}”已存在")
    place = Place(kind=kind, name=name, parent=parent_place)
    session.add(place)
    session.flush()
    return place


def find_place(session: Session, key: str) -> Place:
    """By name, or by path 'county/township/village' when a name is not unique."""
    parts = [p for p in key.strip().split("/") if p]
    if not parts:
        raise InputError("地点名称不能为空")
    candidates = session.scalars(select(Place).where(Place.name == parts[-1])).all()
    matches = [p for p in candidates if p.path().split("/")[-len(parts):] == parts]
    if not matches:
        raise NotFound(f"没有名为“{key}”的地点（先用 cunwu place add 添加）")
    if len(matches) > 1:
        raise InputError(f"“{key}”不唯一，请用完整路径，例如：{'、'.join(m.path() for m in matches)}")
    return matches[0]


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"密码至少 {MIN_PASSWORD} 位")
    return _hasher.hash(password)


def add_user(session: Session, support: Support, username: str, display_name: str, password: str,
             role: str, place_key: str, *, keyring: Keyring) -> User:
    if username == PORTAL_USERNAME:
        raise InputError(PORTAL_NAME_RESERVED(username=username))
    return add_user_with_hash(session, support, username, display_name, hash_password(password), role, place_key,
                              password=password, keyring=keyring)


def add_user_with_hash(session: Session, support: Support, username: str, display_name: str, password_hash: str,
                       role: str, place_key: str, *, password: str, keyring: Keyring) -> User:
    """Like add_user with the login hash computed once, for loading many people who share a first password.

    The password itself is still needed: it seals the person's new signing key.
    """
    if not IDENT.match(username):
        raise InputError(f"用户名“{username}”须为小写字母开头的英文、数字或下划线")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InputError(f"用户名“{username}”已存在（用 cunwu user grant 增加角色）")
    user = User(username=username, display_name=display_name.strip() or username,
                password_hash=password_hash, active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    grant(session, support, user, role, place_key)
    keyring.register(session, user, password)
    return user


def reissue_key(session: Session, keyring: Keyring, user: User, password: str) -> UserKey:
    """Set a new password and a new signing key under it, retiring the old key (forgotten password, lost
    device, suspected compromise): the login password and the key's password never drift apart."""
    user.password_hash = hash_password(password)
    return keyring.rotate(session, user, password)


def grant(session: Session, support: Support, user: User, role: str, place_key: str) -> RoleAssignment:
    if role not in support.roles.roles:
        raise InputError(f"未知角色“{role}”（见 definitions/roles.yaml）")
    if role == PORTAL_ROLE and user.username != PORTAL_USERNAME:
        raise InputError(PORTAL_ROLE_ONLY(role=support.roles.roles[role].title))
    place = find_place(session, place_key)
    level = support.roles.roles[role].level
    if place.kind != level:
        raise InputError(f"角色“{support.roles.roles[role].title}”须在{KIND_TITLE[level]}担任，"
                         f"而“{place.name}”是{KIND_TITLE[place.kind]}")
    for a in user.assignments:
        if a.role == role and a.place_id == place.id:
            raise InputError(f"{user.username} 已在“{place.path()}”担任该角色")
    duties.refuse_pair(support, user, role, place)
    assignment = RoleAssignment(user=user, role=role, place=place)
    session.add(assignment)
    session.flush()
    return assignment


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户“{username}”")
    if not user.active:
        raise PermissionDenied(f"用户“{username}”已停用")
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Same message for an unknown user and a wrong password, so names cannot be probed."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.active:
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise PermissionDenied("用户名或密码不正确") from None
    return user
