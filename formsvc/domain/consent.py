"""Where a message's consent to publication (同意公开) came from, and when it must be asked again.

Before migration 0008 the API read ``"consent_publish": 0``, ``"0"``, ``"no"`` or ``"否"`` as 是
(issue 19). The channel of those messages was never stored, so 0008 cannot tell an API message
from a form one, except that only the form takes attachments: a 是 without attachments from
before 0008 is :data:`UNKNOWN` and is not published until staff have asked the citizen again.
"""

from __future__ import annotations

WEB = "web"  # the form's checkbox
API = "api"  # a JSON true/false (the API refuses anything else since 0008)
UNKNOWN = "unknown"  # stored before 0008, channel not known
STAFF = "staff"  # re-confirmed with the citizen by staff (the event log says who and how)
PHONE = "phone"  # asked on the phone by the staff member who filed the message (代录)

# value → what staff read
SOURCE_LABELS: dict[str, str] = {
    WEB: "网页表单勾选",
    API: "接口提交（布尔值）",
    UNKNOWN: "渠道不明（2026 年 12 月前的记录），需重新确认",
    STAFF: "工作人员已向提交人重新确认",
    PHONE: "电话代录时向来电人询问",
}
SOURCE_MAX = 16  # characters of the column

UNCONFIRMED_MESSAGE = ("该留言的“同意公开”可能来自接口的错误解读（2026 年 12 月前以 0、\"no\" 等提交的"
                       "均记为同意），请先向提交人重新确认公开意愿，记录后再发布")


def needs_reconfirmation(consent_publish: bool, source: str) -> bool:
    """Whether a 同意公开 = 是 cannot be relied on until staff ask the citizen again."""
    return bool(consent_publish) and source == UNKNOWN
