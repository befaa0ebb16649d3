"""Errors every interface can show to a person as one clear line.

Each class maps to one kind of refusal, so the CLI and the web application can choose an exit code or
an HTTP status without parsing messages. The message and each reason is a `messages.Message` where the
refusal has a code (tests and scripts ask for `code` and `reasons`' codes; the web renders them in the
reader's language) and plain Chinese text where it has none yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from workflow.messages import Translate, code_of, render


class CunwuError(Exception):
    """A refusal a user can act on; never carries a traceback to the user."""

    exit_code = 1

    def __init__(self, message: str = "", reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = tuple(reasons)

    @property
    def code(self) -> Optional[str]:
        """The message's stable code, or None for a refusal not yet given one."""
        return code_of(self.message)

    @property
    def reason_codes(self) -> tuple[Optional[str], ...]:
        return tuple(code_of(r) for r in self.reasons)

    def render(self, translate: Translate) -> str:
        """The one-line message in the reader's language (reasons are shown beside it, not in it)."""
        return render(self.message, translate)


class InputError(CunwuError):
    """The request itself is malformed: unknown names, bad field values, missing arguments."""

    exit_code = 2


class NotFound(InputError):
    """A named place, person, document or definition does not exist."""


class PermissionDenied(CunwuError):
    """The person may not do this here; carries every reason so the UI can explain."""

    exit_code = 3


class Conflict(CunwuError):
    """Someone else changed the document first; retrying after a reload is the remedy."""

    exit_code = 4


class StepRefused(CunwuError):
    """The transition is known but its guards refuse it; `reasons` lists every denial."""

    exit_code = 5

    def __str__(self) -> str:
        return self.message + ("：" + "；".join(self.reasons) if self.reasons else "")


@dataclass(frozen=True)
class Problem:
    """One broken rule in a definition file, located so an editor can jump to it."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.rule}] {self.message}"


class DefinitionError(CunwuError):
    """Definitions that must not be loaded; lists every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.rule))
        super().__init__("\n".join(str(p) for p in self.problems))


class VerificationFailed(CunwuError):
    """The log, a document's record or a bag did not verify; the report names every failing entry."""

    exit_code = 6
