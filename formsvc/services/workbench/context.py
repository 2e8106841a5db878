"""What every workbench action shares: its context, the staff member's scope, the errors, and the
steps each action takes (look the message up in scope, apply a transition, check a text, commit).

:func:`get_message` answers :class:`NotFound` for a message outside the staff member's scope
exactly as for one that does not exist, so guessing a number or an id shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select, true
from sqlalchemy.orm import Session, selectinload

from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.domain import kinds
from formsvc.domain.workdays import Calendar
from formsvc.models import Attachment, Event, Message
from formsvc.models.staff import Staff
from formsvc.services import deadlines, lifecycle, procedure
from formsvc.services.errors import ServiceError
from formsvc.services.lifecycle import Status

NOTE_MAX = 1000  # characters of a note or reason
REPLY_MAX = 5000  # characters of a reply or a public letter's text


@dataclass
class Context:
    """What every action needs besides the staff member: the session, settings, calendar, time."""

    session: Session
    config: Mapping[str, Any]
    calendar: Calendar
    now: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        """The county's date at ``now``."""
        return county_date(self.config, self.now)

    def apply(self, staff: Staff, message: Message, action: str, note: str = "",
              public: bool | None = None) -> Event:
        """Apply ``action`` as ``staff``; a refusal of the state machine is an ActionError."""
        try:
            return lifecycle.apply(message, action, actor=staff.actor,
                                   role=acting_role(staff, action), note=note, now=self.now,
                                   public=public)
        except lifecycle.TransitionError as exc:
            raise ActionError(exc.code, exc.message) from None

    def commit(self) -> None:
        """Commit the action's transaction, or roll it back and re-raise."""
        try:
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise

    def deadline(self, message: Message) -> deadlines.Deadline:
        """Where ``message`` stands against its due date today."""
        return deadlines.deadline(self.calendar, message.status, message.due_date, self.today,
                                  deadlines.due_soon_days(self.config),
                                  paused=procedure.is_paused(message))


class NotFound(LookupError):
    """No such message, or not one this staff member may see: the same answer for both."""


class ActionError(ServiceError):
    """The action cannot be done; ``field`` names the form field the message belongs beside."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(code, message)
        self.field = field


# --- scope -----------------------------------------------------------------------------------------

# A department sees a message once it was dispatched or transferred to it; before that (and after
# a return) it belongs to the dispatcher.
DEPARTMENT_VISIBLE = (Status.ASSIGNED, Status.REPLIED, Status.CLOSED)


def scope_clause(staff: Staff) -> Any:
    """The SQL condition "this staff member may see the message"."""
    if staff.county_wide:
        return true()
    if staff.department_id is None:
        return Message.id.is_(None)  # a misconfigured account sees nothing
    return and_(Message.department_id == staff.department_id,
                Message.status.in_([s.value for s in DEPARTMENT_VISIBLE]))


def get_message(ctx: Context, staff: Staff, number: str) -> Message:
    """The message with this tracking number if ``staff`` may see it; NotFound otherwise."""
    message = ctx.session.scalar(select(Message).where(
        Message.tracking_number == (number or "").strip().upper(), scope_clause(staff)))
    if message is None:
        raise NotFound(number)
    return message


def messages_with_events(ctx: Context, staff: Staff, numbers: Iterable[str]) -> dict[str, Message]:
    """The messages of ``numbers`` (as typed: stripped, upper case) that ``staff`` may see, by
    number, with their events loaded: an action appends an event, and loading them then would
    flush the changes made so far, so that one action flushes (and refreshes its statistics)
    twice."""
    wanted = [(n or "").strip().upper() for n in numbers]
    return {m.tracking_number: m for m in ctx.session.scalars(
        select(Message).where(Message.tracking_number.in_(wanted), scope_clause(staff))
        .options(selectinload(Message.events)))}


# Who may read the reporter's details of a kind that is never published (举报): the handling
# department (its handlers and reviewers see the message only once it is theirs: scope_clause)
# and the supervisors. Dispatchers route it from its content; 12345 operators and admins do not
# need to know who reported.
REPORTER_ROLES = frozenset({"handler", "reviewer", "supervisor"})


def reporter_visible(staff: Staff, message: Message) -> bool:
    """Whether ``staff`` may read the name, contact data and identity of the message's sender."""
    kind = kinds.get(message.kind)
    return kind is None or kind.publishable or staff.role in REPORTER_ROLES


# What a staff member who may not read the reporter's details is told about the citizen's files
REPORTER_FILES_HIDDEN = "附件可能透露{kind}人的身份，只有承办单位和督办人员可以查看。"


def attachment_visible(staff: Staff, message: Message, attachment: Attachment) -> bool:
    """Whether ``staff`` may list and download ``attachment``: the citizen's files (submission,
    补正, 补充材料) may identify the reporter and follow :func:`reporter_visible`; the files the
    department attached to its reply are its own."""
    return attachment.purpose == procedure.RELEASED_PURPOSE or reporter_visible(staff, message)


def citizen_files(staff: Staff, message: Message) -> list[Attachment]:
    """The citizen's files of ``message`` that ``staff`` may list (none where the reporter is
    hidden from them)."""
    return [a for a in message.attachments if a.purpose != procedure.RELEASED_PURPOSE
            and attachment_visible(staff, message, a)]


def hidden_files_note(staff: Staff, message: Message) -> str:
    """What to show instead of the citizen's files ``staff`` may not see, or ""."""
    hidden = any(not attachment_visible(staff, message, a) for a in message.attachments)
    return REPORTER_FILES_HIDDEN.format(kind=kinds.label(message.kind)) if hidden else ""


def can(staff: Staff, message: Message, action: str) -> bool:
    """Whether the action's button is offered (the action itself re-checks everything)."""
    t = lifecycle.TRANSITIONS.get(action)
    return (t is not None and message.status in t.sources
            and (staff.role in t.roles or staff.role == "admin"))


# --- the steps of an action --------------------------------------------------------------------------

def noted_action(ctx: Context, staff: Staff, number: str, action: str, label: str,
                 note: str | None) -> tuple[Message, str]:
    """The steps of an action that is a note: look the message up in scope, check the note
    (``label`` names it in the error), apply ``action`` with it. Uncommitted."""
    message = get_message(ctx, staff, number)
    note = text_field(note, label)
    ctx.apply(staff, message, action, note)
    return message, note


def note_only(ctx: Context, staff: Staff, number: str, action: str, label: str,
              note: str | None) -> Message:
    """An action that is nothing but its note and its event (备注, 处理意见): done and committed."""
    message, _ = noted_action(ctx, staff, number, action, label, note)
    ctx.commit()
    return message


def acting_role(staff: Staff, action: str) -> str:
    # administrators may act in any staff role; everyone else acts as what they are
    """The role ``staff`` acts in for ``action``: an administrator takes the one it needs."""
    t = lifecycle.TRANSITIONS.get(action)
    if staff.role == "admin" and t is not None and "admin" not in t.roles:
        staff_roles = sorted(r for r in t.roles if r not in ("citizen", "system"))
        return staff_roles[0] if staff_roles else staff.role
    return staff.role


def text_field(value: str | None, label: str, *, required: bool = True, limit: int = NOTE_MAX,
               field_name: str = "note") -> str:
    """A note or text from a staff form, stripped; required and at most ``limit`` characters."""
    text = (value or "").strip()
    if required and not text:
        raise ActionError("note_required", f"请填写{label}", field_name)
    if len(text) > limit:
        raise ActionError("too_long", f"{label}不能超过 {limit} 个字", field_name)
    return text
