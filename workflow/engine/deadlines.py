"""Periods as the civil code counts them, in the installation's time zone.

民法典 Art. 201: a period in days starts on the day after the event (the day of the step is not counted).
Art. 203: its last day ends at 24:00, and a last day that is a 法定休假日 gives way to the day after the
rest days end. A working-day limit counts working days from the day after, skipping holidays and counting
weekends the State Council made working days. Both end at local midnight after their last day, stored as
that instant in UTC; `end_text` writes it back as the last day's 24:00, the way the law states it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from workflow.engine.calendar import Calendar
from workflow.engine.schema import Deadline

ONE_DAY = timedelta(days=1)


def last_day(entered: datetime, deadline: Deadline, calendar: Calendar) -> date:
    """The period's last day, in the installation's calendar."""
    day = entered.astimezone(calendar.zone).date()
    if deadline.days:
        day += timedelta(days=deadline.days)
        while calendar.rest_day(day):
            day += ONE_DAY
        return day
    left = deadline.working_days or 0
    while left:
        day += ONE_DAY
        if not calendar.rest_day(day):
            left -= 1
    return day


def due(entered: datetime, deadline: Deadline | None, calendar: Calendar) -> datetime | None:
    """The instant the period ends (24:00 local of its last day) in UTC, or None without a time limit."""
    if deadline is None:
        return None
    end = datetime.combine(last_day(entered, deadline, calendar) + ONE_DAY, time(0), tzinfo=calendar.zone)
    return end.astimezone(UTC)


def end_text(moment: datetime, calendar: Calendar) -> str:
    """A period's end as people read it: '2026-03-09 24:00' for the end of that day, local time."""
    local = moment.astimezone(calendar.zone)
    if local.time() == time(0):
        return f"{(local.date() - ONE_DAY).isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")
