"""Errors every interface can show to a person as one clear line.

Each class maps to one kind of refusal, so the CLI and the web application can choose an exit code or
an HTTP status without parsing messages.
"""
from __future__ import annotations

from dataclasses import dataclass


class CunwuError(Exception):
    """A refusal a user can act on; never carries a traceback to the user."""

    exit_code = 1


class InputError(CunwuError):
    """The request itself is malformed: unknown names, bad field values, missing arguments."""

    exit_code = 2


class NotFound(InputError):
    """A named place, person, document or definition does not exist."""


class PermissionDenied(CunwuError):
    """The person may not do this here; carries every reason so the UI can explain."""

    exit_code = 3

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


class Conflict(CunwuError):
    """Someone else changed the document first; retrying after a reload is the remedy."""

    exit_code = 4


class StepRefused(CunwuError):
    """The transition is known but its guards refuse it; `reasons` lists every denial."""

    exit_code = 5

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message + ("：" + "；".join(reasons) if reasons else ""))
        self.reasons = reasons


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
