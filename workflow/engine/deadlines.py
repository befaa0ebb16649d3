"""Time limits: calendar days or working days (Monday to Friday) from entering a state.

Statutory holidays are not modelled; a working-day limit that spans the Spring Festival is therefore
counted short, which errs towards warning a cadre early rather than late.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from workflow.engine.schema import Deadline


def due(entered: datetime, deadline: Optional[Deadline]) -> Optional[datetime]:
    if deadline is None:
        return None
    if deadline.days:
        return entered + timedelta(days=deadline.days)
    moment, left = entered, deadline.working_days or 0
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
