"""The definition schema: YAML files become immutable, validated objects.

Pydantic checks the shape of each file (unknown keys, wrong types); `workflow.validate` checks what a
schema cannot (reachability, roles, rules). Both report through `Problem`s located at file and line.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

FieldType = Literal["text", "integer", "amount", "date", "choice", "boolean", "tally", "id_card", "phone"]
TransitionKind = Literal["forward", "return", "withdraw", "objection", "reject"]
Level = Literal["village", "township", "county"]
Board = Literal["power_list", "works", "results", "assets", "voice"]

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
CJK = re.compile(r"[\u3400-\u9fff]")
LEVELS: tuple[Level, ...] = ("village", "township", "county")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldSpec(Frozen):
    name: str
    title: str
    type: FieldType
    required: bool = True
    options: tuple[str, ...] = ()
    options_list: Optional[str] = None
    quorum: Optional[str] = None
    route: Optional[str] = None


class AttachmentSpec(Frozen):
    name: str
    title: str
    required: bool = True


class Condition(Frozen):
    rule: str
    text: str


class Prohibition(Frozen):
    rule: str
    negative: Optional[str] = None
    text: Optional[str] = None


class Deadline(Frozen):
    days: Optional[int] = Field(default=None, ge=1)
    working_days: Optional[int] = Field(default=None, ge=1)
    binding: Optional[Literal["late", "escalate"]] = None
    basis: Optional[str] = None


class Disclosure(Frozen):
    fields: tuple[str, ...] = ()
    attachments: bool = False


class StateSpec(Frozen):
    title: str
    final: bool = False
    deadline: Optional[Deadline] = None
    disclose: Optional[Disclosure] = None
    view: Optional[tuple[str, ...]] = None
    step: Optional[tuple[str, ...]] = None
    src: str = ""


class StartSpec(Frozen):
    title: str
    roles: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = ()
    attachments: tuple[AttachmentSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()
    forbid: tuple[Prohibition, ...] = ()
    src: str = ""


class Separation(Frozen):
    """Whoever took one of `steps` in this document may not take the transition (negative-list item)."""

    steps: tuple[str, ...]
    negative: str


class TransitionSpec(Frozen):
    id: str
    title: str
    kind: TransitionKind = "forward"
    source: tuple[str, ...] = Field(alias="from")
    to: str
    roles: tuple[str, ...]
    scope: Optional[Level] = None
    by_previous_actor: bool = False
    not_by: tuple[Separation, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    attachments: tuple[AttachmentSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()
    forbid: tuple[Prohibition, ...] = ()
    src: str = ""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Union[str, list]) -> Union[list, tuple]:
        return [value] if isinstance(value, str) else value


class Include(Frozen):
    procedure: str
    version: Optional[int] = Field(default=None, ge=1)
    prefix: str = ""
    exits: dict[str, str]
    params: dict[str, Union[str, int]] = {}
    src: str = ""


class Procedure(Frozen):
    procedure: str
    version: int = Field(default=1, ge=1)
    title: str
    legal_basis: tuple[str, ...] = ()
    params: dict[str, Union[str, int]] = {}
    entry: str
    exits: tuple[str, ...]
    states: dict[str, StateSpec]
    transitions: tuple[TransitionSpec, ...]
    file: str = ""


class Flowchart(Frozen):
    """One flowchart as written; `workflow.registry` expands includes into a `Workflow`.

    Codes F01..F32 are the power list's flowcharts, each serving catalogue items; codes V01.. are the
    villagers' voice (诉求, 举报, 异议), which serve no item: they watch the power list, not exercise it.
    `recuse` names fields that hold the username of a person the document is about (the cadre a 举报
    names): that person may neither see nor handle it, whatever roles they hold."""

    id: str
    version: int = Field(ge=1)
    code: str = Field(pattern=r"^[FV]\d{2}$")
    title: str
    items: tuple[str, ...] = ()
    board: Board = "results"
    legal_basis: tuple[str, ...] = ()
    constants: dict[str, int] = {}
    view: Optional[tuple[str, ...]] = None
    recuse: tuple[str, ...] = ()
    start: StartSpec
    initial: str
    include: tuple[Include, ...] = ()
    states: dict[str, StateSpec]
    transitions: tuple[TransitionSpec, ...] = ()
    file: str = ""


class Role(Frozen):
    title: str
    level: Level


class RoleSeparation(Frozen):
    """Holders of `holders` roles may not hold `excluded` roles in the same place (e.g. 组织法 Art. 32)."""

    holders: tuple[str, ...]
    excluded: tuple[str, ...]
    negative: str
    basis: str
    article: str


class RolesFile(Frozen):
    roles: dict[str, Role]
    separations: tuple[RoleSeparation, ...] = ()


class Quorum(Frozen):
    title: str
    rule: str
    text: str
    basis: str
    article: str


class QuorumsFile(Frozen):
    quorums: dict[str, Quorum]


class CountyRule(Frozen):
    title: str
    rule: str
    text: str
    source: str


class CountyRuleOverride(Frozen):
    rule: str
    text: str
    source: str


class CountyRulesFile(Frozen):
    rules: dict[str, CountyRule]
    counties: dict[str, dict[str, CountyRuleOverride]] = {}


class Body(Frozen):
    title: str
    quorum: str
    authorisation: str = ""


class MatterBody(Frozen):
    quorum: Optional[str] = None
    authorised: bool = False


class Matter(Frozen):
    title: str
    basis: str
    article: str
    bodies: dict[str, MatterBody]
    approval: str = ""


class RouteCase(Frozen):
    when: str = "true"
    matter: str


class DecisionsFile(Frozen):
    bodies: dict[str, Body]
    matters: dict[str, Matter]
    routes: dict[str, tuple[RouteCase, ...]] = {}


class NegativeItem(Frozen):
    title: str
    basis: str = ""


class NegativeListFile(Frozen):
    items: dict[str, NegativeItem]
    lists: dict[str, tuple[str, ...]] = {}


class Category(Frozen):
    title: str


class CatalogueItem(Frozen):
    title: str
    category: str
    executor: str
    supervisor: str
    legal_basis: tuple[str, ...]
    flowcharts: tuple[str, ...]


class CatalogueFile(Frozen):
    categories: dict[str, Category]
    items: dict[str, CatalogueItem]


class HolidaySpan(Frozen):
    """Days off in one run, as a State Council notice lists them (放假调休, including moved weekends)."""

    name: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class CalendarYear(Frozen):
    source: str
    holidays: tuple[HolidaySpan, ...]
    workdays: tuple[date, ...] = ()


class CalendarFile(Frozen):
    timezone: str = "Asia/Shanghai"
    years: dict[int, CalendarYear]
