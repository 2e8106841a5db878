"""The data model: departments, messages, their events, attachments and outbox notifications;
staff accounts and what the workbench keeps beside a message (drafts, extensions, letters …)."""

from formsvc.db import Base
from formsvc.models.admin_event import AdminEvent
from formsvc.models.api_key import ApiKey
from formsvc.models.attachment import Attachment
from formsvc.models.department import Department
from formsvc.models.event import Event
from formsvc.models.message import Message
from formsvc.models.outbox import OutboxNotification
from formsvc.models.participation import Contribution, ContributionEvent
from formsvc.models.procedure import ClockPause, ReplyNotice
from formsvc.models.report import DisclosureCase
from formsvc.models.staff import Staff
from formsvc.models.supervision import PerformanceScore, SupervisionNotice
from formsvc.models.survey import SurveyCount, SurveyResponse, SurveyText
from formsvc.models.workbench import (
    ExtensionRequest,
    Letter,
    LetterProposal,
    MailAttempt,
    ReplyDraft,
    ReplyTemplate,
)

__all__ = ["AdminEvent", "ApiKey", "Attachment", "Base", "ClockPause", "Contribution",
           "ContributionEvent", "Department", "DisclosureCase", "Event",
           "ExtensionRequest", "Letter", "LetterProposal", "MailAttempt", "Message",
           "OutboxNotification", "ReplyDraft", "ReplyNotice", "ReplyTemplate", "Staff",
           "PerformanceScore", "SupervisionNotice", "SurveyCount", "SurveyResponse", "SurveyText"]
