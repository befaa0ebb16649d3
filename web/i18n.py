"""Chinese first, English on request: `?lang=en` (or the switch link) is remembered in the session.

Message ids are the Chinese text itself, so a string missing from the English catalogue still reads
correctly in Chinese; titles from the definitions (flowcharts, states, fields) are Chinese only.
"""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def register(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")

    @app.before_request
    def remember_language() -> None:
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang

    @app.context_processor
    def language() -> dict:
        return {"current_lang": select_locale()}
