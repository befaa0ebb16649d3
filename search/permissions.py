"""Permissions as index terms: who may see a record is decided when it is indexed, not per hit.

``workflow.guards.can_view`` lets a person see a document when a role they hold at one of the
document's places (village, township, county) is among the roles the state allows to view it, or,
when the flowchart names no roles, when they hold any role there. Both halves are turned into
tokens so a search can filter on an indexed ``allowed`` field (Plone's ``allowedRolesAndUsers``
pattern) and never load a record the person may not see:

- a record lists ``role@place_id`` for every allowed role at every place of its chain, or
  ``*@place_id`` when any role there will do;
- a person carries ``role@place_id`` and ``*@place_id`` for each role they hold.

A token matches exactly when ``can_view`` would say yes. The public carries only ``public``,
which appears on nothing but the disclosure records built from what the definitions disclose.

Step records carry the same tokens prefixed with ``step:``. The prefix is what separates a
search of documents from a search of steps, so that one OR over the person's tokens is the
only clause every query needs besides the words: a separate clause on the record kind cost as
much as the words themselves on common terms, because it matches nearly every record.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflow.engine.flowchart import Workflow
from workflow.people.directory import Principal
from workflow.people.places import PlaceRef

__all__ = ["ANY_ROLE", "PUBLIC", "STEP", "PlaceRef", "allowed_tokens", "principal_tokens", "step_tokens"]

PUBLIC = "public"
ANY_ROLE = "*"
STEP = "step:"


def allowed_tokens(workflow: Workflow, state: str, chain: Sequence[PlaceRef]) -> list[str]:
    """The tokens of everyone who may view a document of ``workflow`` in ``state``."""
    roles = workflow.states[state].view or workflow.chart.view
    if roles is None:
        return [f"{ANY_ROLE}@{place.id}" for place in chain]
    return [f"{role}@{place.id}" for role in roles for place in chain]


def principal_tokens(person: Principal) -> list[str]:
    """The tokens a signed-in person searches with; duplicates removed, order kept."""
    tokens: dict[str, None] = {}
    for role, place_id, _path in person.assignments:
        tokens[f"{role}@{place_id}"] = None
        tokens[f"{ANY_ROLE}@{place_id}"] = None
    return list(tokens)


def step_tokens(tokens: Sequence[str]) -> list[str]:
    """The tokens that find step records for whoever holds ``tokens``."""
    return [STEP + token for token in tokens]
