"""Which days are rest days where the installation is: the State Council's holiday schedules, as data.

民法典 Art. 203 moves a period's last day off a 法定休假日 (a public holiday, or a Saturday or Sunday that
the schedule does not turn into a working day), and a working-day limit skips the same days and counts the
weekends made working days (调休上班). Which days those are is fixed each year by a State Council notice
published the autumn before; no rule computes them. So the calendar knows exactly the years its file lists
and refuses, with an error naming the file, any day beyond them rather than guessing.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.engine import yamlsource
from workflow.engine.schema import CalendarFile
from workflow.errors import InputError, Problem
from workflow.messages import Code

WEEKEND = (5, 6)
CALENDAR_ENDED = Code("service.calendar-ended",
                      "节假日安排只收录了 %(first)s–%(last)s 年（%(file)s），无法判断 %(day)s 是否为法定休假日，"
                      "期间无法计算；请按国务院办公厅公布的%(year)s 年部分节假日安排补充该年"
                      "（见 definitions/README.md「节假日安排」）后重试")


class CalendarError(InputError):
    """A period reaches a day the holiday calendar does not cover."""


@dataclass(frozen=True)
class Calendar:
    """The installation's time zone and the days off and moved working days of the years covered."""

    zone: ZoneInfo
    first: date
    last: date
    holidays: Mapping[date, str]
    workdays: frozenset[date]
    sources: Mapping[int, str]
    file: str = ""

    def require(self, day: date) -> None:
        if not self.first <= day <= self.last:
            raise CalendarError(CALENDAR_ENDED(first=self.first.year, last=self.last.year, file=self.file,
                                               day=day.isoformat(), year=day.year))

    def rest_day(self, day: date) -> bool:
        """A 法定休假日: a listed holiday, or a weekend day not made a working day."""
        self.require(day)
        if day in self.holidays:
            return True
        return day.weekday() in WEEKEND and day not in self.workdays

    def describe(self) -> dict[str, Any]:
        return {"timezone": self.zone.key, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "years": {str(y): s for y, s in sorted(self.sources.items())}, "file": self.file}


def build(spec: CalendarFile, raw: Any, file: str) -> tuple[Calendar | None, list[Problem]]:
    """Check a calendar file as a whole and compile it; every problem is located at its line."""
    problems: list[Problem] = []

    def add(loc: tuple, rule: str, message: str) -> None:
        problems.append(Problem(file, yamlsource.line_at(raw, loc), rule, message))

    zone = None
    try:
        zone = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        add(("timezone",), "unknown-timezone", f"未知的时区“{spec.timezone}”（应为 IANA 名称，如 Asia/Shanghai）")
    years = sorted(spec.years)
    if not years:
        add(("years",), "empty-calendar", "日历没有收录任何年份")
    for before, after in zip(years, years[1:], strict=False):
        if after != before + 1:
            add(("years", after), "calendar-gap", f"日历缺少 {before + 1} 年，收录的年份须连续")
    holidays: dict[date, str] = {}
    workdays: set[date] = set()
    for year in years:
        entry = spec.years[year]
        earliest, latest = date(year - 1, 12, 1), date(year + 1, 1, 31)
        for i, span in enumerate(entry.holidays):
            where = ("years", year, "holidays", i)
            if span.last < span.first:
                add(where, "bad-date", f"{span.name}：结束日期 {span.last} 早于开始日期 {span.first}")
                continue
            if span.first < earliest or span.last > latest:
                add(where, "bad-date", f"{span.name}：日期不在 {year} 年安排的范围内")
                continue
            day = span.first
            while day <= span.last:
                holidays[day] = span.name
                day += timedelta(days=1)
        for i, day in enumerate(entry.workdays):
            where = ("years", year, "workdays", i)
            if day.weekday() not in WEEKEND:
                add(where, "bad-date", f"调休上班日 {day} 不是周六或周日")
            if not earliest <= day <= latest:
                add(where, "bad-date", f"调休上班日 {day} 不在 {year} 年安排的范围内")
            workdays.add(day)
    for day in sorted(workdays & set(holidays)):
        add(("years",), "bad-date", f"{day} 既列为放假日又列为调休上班日")
    if problems or zone is None:
        return None, problems
    calendar = Calendar(zone=zone, first=date(years[0], 1, 1), last=date(years[-1], 12, 31), holidays=holidays,
                        workdays=frozenset(workdays), sources={y: spec.years[y].source for y in years}, file=file)
    return calendar, problems
