"""Participation kinds: what citizens contribute to a draft or an interview, and how staff
moderate it. The one table of these kinds, their labels, moderation states and 采纳情况.

A contribution is a record in formsvc (table ``contribution``), keyed by the content's slug
(``portal.participation`` reads the draft or interview and decides whether it is open) and
for a comment optionally by an article number. Name and phone are required and never published.
"""

from __future__ import annotations

from dataclasses import dataclass

# what the contribution is about: the content type's name in portal/schema.py
CONSULTATION, INTERVIEW = "consultation", "interview"


@dataclass(frozen=True)
class ParticipationKind:
    code: str  # stored in contribution.kind and used in the API
    label: str
    target: str  # CONSULTATION or INTERVIEW
    text_label: str  # the form's label of the text
    thanks: str  # the thank-you page's sentence
    publishable: bool = True  # False: staff read it, the public never sees it


PARTICIPATION_KINDS: tuple[ParticipationKind, ...] = (
    ParticipationKind("comment", "意见", CONSULTATION, "意见内容",
                      "您的意见已收到。意见经审核后公开（姓名和电话不公开），采纳情况在征求意见结束后公布。"),
    # 网上听证: the speaker registers with what they want to say; the list is not published,
    # the organiser contacts speakers by phone (the transcript is published in the content)
    ParticipationKind("speaker", "听证发言报名", CONSULTATION, "拟发言的主要观点",
                      "您的听证发言报名已收到。组织单位将在听证会前电话联系您确认发言安排。",
                      publishable=False),
    ParticipationKind("question", "网友提问", INTERVIEW, "问题",
                      "您的问题已收到。问题经审核后转交访谈嘉宾，回答后显示在访谈页面上。"),
)
PARTICIPATION_KINDS_BY_CODE = {k.code: k for k in PARTICIPATION_KINDS}


def kind(code: str) -> ParticipationKind | None:
    """The participation kind of ``code``, or None."""
    return PARTICIPATION_KINDS_BY_CODE.get(code)


# Moderation: every contribution starts pending; staff publish it or hide it with a reason.
PENDING, PUBLISHED, HIDDEN = "pending", "published", "hidden"
MODERATION_LABELS = {PENDING: "待审核", PUBLISHED: "已公开", HIDDEN: "不予公开"}

# 采纳情况 of a comment (recorded by staff, published with the comment)
ADOPTION_LABELS = {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "未采纳"}
# a reason is required unless the comment was adopted as it stands
ADOPTION_NEEDS_REASON = frozenset({"partly", "not_adopted"})

# Moderation actions (contribution_event.action) and their labels.
ACTION_LABELS = {
    "submit": "提交",
    "publish": "公开",
    "hide": "不予公开",
    "adopt": "记录采纳情况",
    "answer": "回答",
    "purge": "按保存期限删除个人信息",  # by purge-personal-data (services/participation_retention.py)
}

# Length limits of the citizen's text (characters, after cleaning).
TEXT_MIN, TEXT_MAX = 5, 3000
