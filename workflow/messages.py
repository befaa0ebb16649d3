"""Messages a person reads, each with a stable code and its parameters, so that a test or a script asks
for the code and an interface renders the sentence in the reader's language.

A `Code` is declared once beside the rule that uses it, with its Chinese sentence (`%(name)s`
placeholders); calling it gives a `Message`. A Message *is* its Chinese text (a `str`), so logs, `--json`
output and every reader that only wants Chinese see exactly what they saw before codes existed;
`render(translate)` gives it in another language. The Chinese sentence is also the message id in the web
application's catalogue (web/translations), as for every other string of the web pages; parameters that
are themselves Messages are translated too, while names taken from the definitions (flowcharts, states,
roles, fields, rule texts) stay Chinese.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Translate = Callable[[str], str]

CODES: dict[str, Code] = {}


def _same(text: str) -> str:
    return text


def _format(template: str, params: Mapping[str, Any], translate: Translate) -> str:
    return template % {k: v.render(translate) if isinstance(v, Message) else v for k, v in params.items()}


class Message(str):
    """Text for a person that also knows its code and parameters; its `str` value is the Chinese text."""

    code: str
    template: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, template: str, params: Mapping[str, Any]) -> Message:
        self = super().__new__(cls, _format(template, params, _same))
        self.code = code
        self.template = template
        self.params = dict(params)
        return self

    def render(self, translate: Translate = _same) -> str:
        """The sentence in the language `translate` looks message ids up in (Chinese by default)."""
        return _format(translate(self.template), self.params, translate)

    def __reduce__(self) -> tuple[Any, ...]:
        return Message, (self.code, self.template, self.params)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {str(self)!r})"


class Code:
    """One kind of message: a stable code and its Chinese sentence; codes are unique across cunwu."""

    def __init__(self, code: str, text: str) -> None:
        if code in CODES:
            raise ValueError(f"message code {code} is declared twice")
        self.code = code
        self.text = text
        CODES[code] = self

    def __call__(self, **params: Any) -> Message:
        return Message(self.code, self.text, params)

    def __repr__(self) -> str:
        return f"Code({self.code!r})"


def render(text: str, translate: Translate) -> str:
    """Any text for a person in the reader's language: Messages are translated, plain strings kept."""
    return text.render(translate) if isinstance(text, Message) else text


def code_of(text: str) -> str | None:
    return text.code if isinstance(text, Message) else None
