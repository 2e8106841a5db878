"""The data model: departments, messages, their events, attachments and outbox notifications;
staff accounts and what the workbench keeps beside a message (drafts, extensions, letters …)."""

from formsvc.db import Base
from formsvc.models.api_key import ApiKey
from formsvc.models.attachment import Attachment
from formsvc.models.department import Department
from formsvc.models.event import Event
from formsvc.models.message import Message
from formsvc.models.outbox import OutboxNotification
from formsvc.models.staff import Staff
from formsvc.models.workbench import (
    ExtensionRequest,
    Letter,
    MailAttempt,
    ReplyDraft,
    ReplyTemplate,
)

__all__ = ["ApiKey", "Attachment", "Base", "Department", "Event", "ExtensionRequest", "Letter", "MailAttempt",
           "Message", "OutboxNotification", "ReplyDraft", "ReplyTemplate", "Staff"]
