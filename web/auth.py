"""Signing in and out: Argon2 password check through the directory, lockout, safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from web.display import localtime
from web.people import load_person
from web.runtime import runtime
from workflow.errors import PermissionDenied
from workflow.people import directory

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[InputRequired(), Length(max=1024)])


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our login page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("tasks.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        rt = runtime()
        name = form.username.data.strip()
        until = rt.lockout.locked_until(name)
        if until is not None:
            flash(_("登录失败次数过多，请于 %(time)s 后再试", time=localtime(until)), "error")
            status = 429
        else:
            try:
                with rt.db.read() as s:
                    user_id = directory.authenticate(s, name, form.password.data).id
            except PermissionDenied:
                rt.lockout.failed(name)
                flash(_("用户名或密码不正确"), "error")
                status = 401
            else:
                rt.lockout.succeeded(name)
                lang = session.get("lang")
                session.clear()
                if lang:
                    session["lang"] = lang
                login_user(load_person(rt.db, rt.registry, str(user_id)))
                return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """A POST, so the application-wide CSRF check stops another site from signing a cadre out."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))
