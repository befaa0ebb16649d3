"""Chinese first, English on request: `?lang=en` (or the switch link) is remembered in the session.

Message ids are the Chinese text itself, so a string missing from the English catalogue still reads
correctly in Chinese; titles from the definitions (flowcharts, states, fields) are Chinese only. The
service's refusals, the guards' denials and the verifier's failures are coded Messages: every `{{ }}` in
a template renders them in the reader's language, and `say` does so for Python code (flash messages).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, session
from flask_babel import Babel, gettext

from workflow.messages import Message


def say(text: str) -> str:
    """Text for the reader: a coded Message in their language, anything else as it is."""
    return text.render(gettext) if isinstance(text, Message) else text


def _finalize(value: Any) -> Any:
    return say(value) if isinstance(value, Message) else value


def select_locale() -> str:
    lang = session.get("lang")
    return str(lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"])


def register(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.finalize = _finalize

    @app.before_request
    def remember_language() -> None:
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang

    @app.context_processor
    def language() -> dict:
        return {"current_lang": select_locale()}
