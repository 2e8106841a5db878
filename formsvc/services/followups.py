"""What a citizen adds to a message from the tracking page: 补充材料 before it is dispatched, and
one 追问 after the reply. Both are public events of the message's timeline (the text is the
event's note) and reach the department (or the dispatchers) by mail through the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models import Message
from formsvc.services import lifecycle, notify, uploads
from formsvc.services.errors import ServiceError

SUPPLEMENT_PURPOSE = "supplement"  # Attachment.purpose of 补充材料


class FollowUpError(ServiceError):
    """A 追问 or 补充材料 refused (not allowed now, a second 追问, empty, too long)."""


def can_follow_up(message: Message) -> bool:
    """Whether the citizen may still ask a 追问 (once, after the reply)."""
    return (message.replied_at is not None and lifecycle.allowed(message, "follow_up")
            and not any(e.action == "follow_up" for e in message.events))


def can_supplement(message: Message) -> bool:
    """Whether the citizen may still add 补充材料 (until the message is dispatched)."""
    return lifecycle.allowed(message, "supplement")


def _text(config: Mapping[str, Any], text: str, label: str, required: bool) -> str:
    text = (text or "").strip()
    limit = int(config["CONTENT_MAX"])
    if required and not text:
        raise FollowUpError(f"{label}_empty", f"请填写{_LABELS[label]}")
    if len(text) > limit:
        raise FollowUpError(f"{label}_too_long", f"{_LABELS[label]}不能超过 {limit} 个字")
    return text


_LABELS = {"follow_up": "追问内容", "supplement": "补充内容"}


def follow_up(session: Session, config: Mapping[str, Any], message: Message, text: str,
              now: datetime | None = None) -> Message:
    """The citizen's one 追问 on a replied message; a second is refused and changes nothing."""
    if any(e.action == "follow_up" for e in message.events):
        raise FollowUpError("follow_up_used", "每件留言只能追问一次，您已经追问过")
    if not can_follow_up(message):
        raise FollowUpError("not_replied", "留言答复后才能追问")
    text = _text(config, text, "follow_up", required=True)
    try:
        lifecycle.apply(message, "follow_up", actor="citizen", role="citizen", note=text,
                        now=now or utcnow())
        notify.tell_department(session, config, "follow_up", message, note=text)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return message


def supplement(session: Session, config: Mapping[str, Any], message: Message, text: str,
               files: list[uploads.Upload], now: datetime | None = None) -> Message:
    """补充材料 (text and files, checked as a submission's) while the message waits for 分办."""
    if not can_supplement(message):
        raise FollowUpError("already_dispatched", "留言已分办，不能再补充材料；如有新情况请另行留言")
    text = _text(config, text, "supplement", required=not files)
    now = now or utcnow()
    upload_dir = Path(config["UPLOAD_DIR"])
    written = uploads.write(upload_dir, files) if files else []
    with uploads.committed_or_removed(session, upload_dir, written):
        session.add_all(uploads.attachment_rows(message.id, written, SUPPLEMENT_PURPOSE, now))
        names = "、".join(up.filename for up, _ in written)
        note = text + (f"（附件：{names}）" if names else "") if text else f"附件：{names}"
        lifecycle.apply(message, "supplement", actor="citizen", role="citizen", note=note,
                        now=now)
        notify.tell_department(session, config, "supplement", message, note=note)
    return message
