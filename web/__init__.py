"""The cunwu web application: `create_app(config)` builds one, with a blueprint per audience.

Nothing is created at import time; each application opens its own data directory, database and
definitions, so tests, the benchmark and `cunwu serve` can each build theirs.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from web import (
    access,
    admin,
    archive,
    audit,
    auth,
    display,
    documents,
    errors,
    i18n,
    powerlist,
    public,
    searching,
    security,
    tasks,
    voice,
)
from web.config import DEFAULTS, secret_key
from web.lockout import Lockout
from web.people import load_person
from web.runtime import Runtime
from workflow import logs
from workflow.context import open_context
from workflow.engine import diagram
from workflow.engine import registry as registry_mod
from workflow.settings import Settings
from workflow.store.database import utcnow


def create_app(config: Union[Mapping[str, Any], object, None] = None) -> Flask:
    """Config by mapping or object: CUNWU_SETTINGS (a workflow.settings.Settings; without it, one is
    read from the environment with CUNWU_HOME and CUNWU_DB as given here), SECRET_KEY (default: the
    settings' key file), TESTING, CUNWU_INDEX_ON_START (bring the archive index up to date in the
    background), CUNWU_INDEX_POLL (then follow the change feed into the index every so many seconds;
    0: never), CUNWU_REGISTRY and CUNWU_CLOCK (tests pass their own)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    if app.config["TESTING"] and not (isinstance(config, Mapping) and "SESSION_COOKIE_SECURE" in config):
        app.config["SESSION_COOKIE_SECURE"] = False
    settings = app.config["CUNWU_SETTINGS"] or Settings.load(home=app.config["CUNWU_HOME"],
                                                             db=app.config["CUNWU_DB"])
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.time_zone
    logs.configure(settings)
    clock = app.config["CUNWU_CLOCK"] or utcnow
    registry = app.config["CUNWU_REGISTRY"] or registry_mod.load(settings.definition_paths())
    context = open_context(settings.home, settings.db_url, registry=registry, clock=clock)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(settings.secret_key_file)
    app.extensions["cunwu"] = Runtime(context, Lockout(app.config["LOGIN_MAX_FAILURES"],
                                                       app.config["LOGIN_LOCKOUT"], clock), settings)
    CSRFProtect(app)
    _login(app)
    i18n.register(app)
    errors.register(app)
    security.register(app)
    access.register(app)
    _templates(app)
    _blueprints(app)
    voice.register(app)
    if app.config["CUNWU_INDEX_ON_START"]:
        searching.start_catching_up(app)
    return app


def _login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("请先登录")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load(user_id: str) -> Optional[Any]:
        rt: Runtime = app.extensions["cunwu"]
        return load_person(rt.db, rt.registry, user_id)


def _templates(app: Flask) -> None:
    def deadline(value: Any) -> str:
        rt: Runtime = app.extensions["cunwu"]
        return display.deadline_text(value, rt.registry.support.calendar)

    app.jinja_env.filters.update(localtime=display.localtime, size=display.size_text, deadline=deadline)
    app.jinja_env.globals.update(value_text=display.value_text, diagrams_available=diagram.available)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _blueprints(app: Flask) -> None:
    for module in (auth, tasks, powerlist, documents, archive, audit, public, admin):
        app.register_blueprint(module.bp)
