"""Administration: places (county, township, village), people, and the roles they hold where.

Only administrators; each change goes through workflow.directory, the same functions as
`cunwu place add` and `cunwu user add`, so the web cannot create what the command line would refuse.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from web.access import ADMIN_ROLES, roles_required
from web.runtime import runtime
from workflow.errors import CunwuError
from workflow.people import directory
from workflow.store.tables import Place, User, UserKey

bp = Blueprint("admin", __name__, url_prefix="/admin")
REQUIRED = InputRequired(message=_l("必填"))


class PlaceForm(FlaskForm):
    kind = SelectField(_l("类型"), choices=[SelectChoice("township", _l("乡镇")), SelectChoice("village", _l("村")),
                                                 SelectChoice("county", _l("县（市）"))])
    name = StringField(_l("名称"), validators=[REQUIRED, Length(max=100)])
    parent = SelectField(_l("上级"), choices=[], validate_choice=False)


class PersonForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[REQUIRED, Length(max=64)])
    name = StringField(_l("姓名"), validators=[REQUIRED, Length(max=100)])
    password = PasswordField(_l("初始密码"), validators=[REQUIRED, Length(min=8, max=1024)])
    role = SelectField(_l("角色"), choices=[], validate_choice=False)
    place = SelectField(_l("地点"), choices=[], validate_choice=False)


class ReissueForm(FlaskForm):
    username = SelectField(_l("人员"), choices=[], validate_choice=False)
    password = PasswordField(_l("新密码（同时用于登录与签名）"), validators=[REQUIRED, Length(min=8, max=1024)])


class RevokeForm(FlaskForm):
    username = SelectField(_l("人员"), choices=[], validate_choice=False)
    reason = SelectField(_l("吊销原因"), choices=[SelectChoice("lost", _l("密钥或密码丢失")), SelectChoice("left_office", _l("离任")),
                                              SelectChoice("compromised", _l("疑似泄露")),
                                              SelectChoice("superseded", _l("已更换"))])


class GrantForm(FlaskForm):
    username = SelectField(_l("人员"), choices=[], validate_choice=False)
    role = SelectField(_l("角色"), choices=[], validate_choice=False)
    place = SelectField(_l("地点"), choices=[], validate_choice=False)


@dataclass
class Forms:
    place: PlaceForm
    person: PersonForm
    grant: GrantForm
    reissue: ReissueForm
    revoke: RevokeForm

    @classmethod
    def blank(cls, **posted: FlaskForm) -> "Forms":
        """Empty forms, except the one just posted, which keeps what was typed and its errors."""
        made = {name: kind(formdata=None) for name, kind in (("place", PlaceForm), ("person", PersonForm),
                                                             ("grant", GrantForm), ("reissue", ReissueForm),
                                                             ("revoke", RevokeForm))}
        return cls(**{**made, **posted})

    def fill(self, places: list[dict], people: list[dict], roles: dict) -> None:
        paths = [p["path"] for p in places]
        role_choices = [SelectChoice(r, f"{role.title}（{r}）") for r, role in roles.items()]
        names = [SelectChoice(p["username"], f"{p['name']}（{p['username']}）") for p in people]
        self.place.parent.choices = [SelectChoice("", "—"), *paths]
        self.person.role.choices = self.grant.role.choices = role_choices
        self.person.place.choices = self.grant.place.choices = paths
        self.grant.username.choices = self.reissue.username.choices = self.revoke.username.choices = names


def _directory() -> tuple[list[dict], list[dict]]:
    rt = runtime()
    roles = rt.registry.support.roles.roles
    with rt.db.read() as s:
        places = [{"id": p.id, "kind": p.kind, "kind_title": directory.KIND_TITLE[p.kind], "path": p.path()}
                  for p in s.scalars(select(Place).order_by(Place.id))]
        keys = {k.user_id: k for k in s.scalars(select(UserKey).where(UserKey.revoked_index.is_(None)))}
        people = [{"username": u.username, "name": u.display_name, "active": u.active,
                   "key": keys[u.id].key_id if u.id in keys else None,
                   "key_index": keys[u.id].registered_index if u.id in keys else None,
                   "roles": [f"{roles[a.role].title if a.role in roles else a.role}@{a.place.path()}"
                             for a in u.assignments]}
                  for u in s.scalars(select(User).order_by(User.username))]
    return sorted(places, key=lambda p: p["path"]), people


@bp.route("/", methods=["GET"])
@roles_required(*ADMIN_ROLES)
def index():
    return _render(Forms.blank())


def _render(forms: Forms, status: int = 200):
    places, people = _directory()
    forms.fill(places, people, runtime().registry.support.roles.roles)
    return render_template("admin/index.html", places=places, people=people, forms=forms), status


def _saved(change: Callable[[Session], str]) -> bool:
    """Run one directory change in its own transaction; flash what it did or why it was refused."""
    try:
        with runtime().db.write() as s:
            message = change(s)
    except CunwuError as exc:
        flash(str(exc), "error")
        return False
    flash(message, "success")
    return True


@bp.route("/places", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def add_place():
    form = PlaceForm()

    def change(s: Session) -> str:
        place = directory.add_place(s, form.kind.data, form.name.data, form.parent.data or None)
        return _("已添加：%(path)s", path=place.path())

    if form.validate_on_submit() and _saved(change):
        return redirect(url_for("admin.index"))
    return _render(Forms.blank(place=form), 400)


@bp.route("/people", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def add_person():
    form = PersonForm()

    def change(s: Session) -> str:
        user = directory.add_user(s, runtime().registry.support, form.username.data.strip(), form.name.data,
                                  form.password.data, form.role.data, form.place.data, keyring=runtime().context.keyring)
        return _("已添加人员：%(name)s（%(username)s）", name=user.display_name, username=user.username)

    if form.validate_on_submit() and _saved(change):
        return redirect(url_for("admin.index"))
    return _render(Forms.blank(person=form), 400)


@bp.route("/grants", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def grant():
    form = GrantForm()

    def change(s: Session) -> str:
        a = directory.grant(s, runtime().registry.support, directory.find_user(s, form.username.data),
                            form.role.data, form.place.data)
        return _("已授予：%(who)s %(role)s@%(place)s", who=a.user.username, role=a.role, place=a.place.path())

    if form.validate_on_submit() and _saved(change):
        return redirect(url_for("admin.index"))
    return _render(Forms.blank(grant=form), 400)


@bp.route("/keys/reissue", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def reissue():
    """A new signing key under a new password (forgotten password, lost phone); the old key stops signing."""
    form = ReissueForm()

    def change(s: Session) -> str:
        row = directory.reissue_key(s, runtime().context.keyring, directory.find_user(s, form.username.data),
                                    form.password.data)
        return _("已为 %(who)s 发放新密钥 %(key)s", who=form.username.data, key=row.key_id[:24] + "…")

    if form.validate_on_submit() and _saved(change):
        return redirect(url_for("admin.index"))
    return _render(Forms.blank(reissue=form), 400)


@bp.route("/keys/revoke", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def revoke():
    """Stop a key from signing; the revocation is itself a registrar-signed entry in the log."""
    form = RevokeForm()

    def change(s: Session) -> str:
        row = runtime().context.keyring.revoke(s, directory.find_user(s, form.username.data), form.reason.data)
        return _("已吊销 %(who)s 的密钥（日志第 %(i)s 条）", who=form.username.data, i=row.revoked_index)

    if form.validate_on_submit() and _saved(change):
        return redirect(url_for("admin.index"))
    return _render(Forms.blank(revoke=form), 400)
