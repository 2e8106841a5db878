"""What every command needs: a session of the app's sessionmaker, the holiday calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.domain.workdays import Calendar, HolidayFileError


@contextmanager
def session() -> Iterator[Session]:
    """A session for one command, closed after it: the app's, so its session hooks (statistics,
    the department registry, the audit log) see what the command writes."""
    s = db.new_session()
    try:
        yield s
    finally:
        s.close()


def holiday_calendar() -> Calendar:
    """The working-day calendar with the holiday file; a broken file is the command's error."""
    try:
        return Calendar.from_file(current_app.config["HOLIDAYS_FILE"])
    except HolidayFileError as exc:
        raise click.ClickException(str(exc)) from None
