"""The data model: departments, messages, their events, attachments and outbox notifications."""

from formsvc.db import Base
from formsvc.models.attachment import Attachment
from formsvc.models.department import Department
from formsvc.models.event import Event
from formsvc.models.message import Message
from formsvc.models.outbox import OutboxNotification

__all__ = ["Attachment", "Base", "Department", "Event", "Message", "OutboxNotification"]
