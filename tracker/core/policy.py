"""When to check an article next (pure: `now` is an argument).

Front-loaded: an article is checked often while it is young, when most edits
happen, then less and less. A change seen counts as a new start; failures back
off exponentially; past `retire_after` the article is retired.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tracker.config import ScheduleConfig


def check_interval(
    schedule: ScheduleConfig,
    *,
    now: datetime,
    born_at: datetime,
    last_changed_at: datetime | None,
) -> timedelta:
    """The interval for an article of this age; a recent change counts as youth."""
    age = now - born_at
    if last_changed_at is not None:
        age = min(age, now - last_changed_at)
    for step in schedule.steps:
        if age < step.age:
            return step.every
    return schedule.steps[-1].every


def next_check_at(
    schedule: ScheduleConfig,
    *,
    now: datetime,
    born_at: datetime,
    last_changed_at: datetime | None,
    consecutive_failures: int,
) -> datetime | None:
    """When to check next, or None when the article is past `retire_after`."""
    if now - born_at >= schedule.retire_after:
        return None
    interval = check_interval(schedule, now=now, born_at=born_at, last_changed_at=last_changed_at)
    if consecutive_failures:
        backoff = interval * (2 ** min(consecutive_failures, 16))
        interval = min(backoff, max(schedule.error_backoff_max, interval))
    return now + interval
