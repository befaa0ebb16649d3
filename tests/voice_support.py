"""Helpers for the portal's voice forms: read the question off the page and answer it as a person would."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.web_support import token
from web.abuse import NUMERALS

_QUESTION = re.compile(r'<span id="question">(\S) 加 (\S) 等于几？</span>')
_CHALLENGE = re.compile(r'name="challenge_token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')


def solve(html: str) -> tuple[str, str]:
    found = _QUESTION.search(html)
    assert found is not None, "no question on the form"
    return str(NUMERALS.index(found.group(1)) + NUMERALS.index(found.group(2))), _CHALLENGE.search(html).group(1)


def submit(client: FlaskClient, query: str, fields: dict, files: dict | None = None,
           wrong: bool = False):
    """GET the form at /public/voice/new?<query>, answer its question, POST `fields`; the response."""
    html = client.get(f"/public/voice/new?{query}").get_data(as_text=True)
    value, challenge = solve(html)
    data = {"csrf_token": token(html), "challenge": str(int(value) + 1) if wrong else value,
            "challenge_token": challenge, **fields, **(files or {})}
    return client.post(f"/public/voice/new?{query}", data=data, content_type="multipart/form-data")


def receipt_code(html: str) -> str:
    found = CODE.search(html)
    assert found is not None, html
    return found.group(1)
