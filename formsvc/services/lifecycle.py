"""The message state machine: the one place that says which action moves a message where.

Every transition appends an :class:`~formsvc.models.Event`; nothing else changes ``Message.status``
and nothing else builds an event (:func:`apply` for the ORM, :func:`event_row` for Core writes).
The whole table from DESIGN.md is declared here; the citizen side reaches ``submit`` and ``rate``,
the staff workbench (services/workbench.py) every other action, after checking the staff member's
department scope.

    submitted ──dispatch──▶ assigned ──reply──▶ replied ──rate / timeout──▶ closed
        │                     │  ▲                  │
        │                     │  └──transfer────────┘ (unsatisfied rating may reopen once)
        ├──reject (reason)    ├──return to dispatcher (reason)
        │                     └──extension requested ─▶ approved / refused (moves the due date)
        └── 依申请公开: 补正 asked ─▶ answered (due date counted afresh) / 视为放弃 ─▶ closed;
            third party consulted ─▶ ended (due date moved by the days it took); both stop the
            clock meanwhile (services/procedure.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from formsvc.db import utcnow
from formsvc.models import Event, Message
from formsvc.models.staff import INTAKE_ROLES
from formsvc.services.errors import ServiceError


class Status(StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    CLOSED = "closed"
    REJECTED = "rejected"


# What citizens read on the tracking page.
STATUS_LABELS: dict[str, str] = {
    Status.SUBMITTED: "已提交，待分办",
    Status.ASSIGNED: "办理中",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
    Status.REJECTED: "不予受理",
}
# Statuses in which the clock runs (overdue is derived from due_date in these).
OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ASSIGNED})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # the timeline text citizens or staff read
    sources: frozenset[str | None]  # None: the message does not exist yet
    target: str | None  # None: the status does not change (transfer, extension steps)
    roles: frozenset[str]  # who may do it: citizen, dispatcher, handler, reviewer, supervisor, system
    public: bool = True  # shown on the citizen's timeline
    needs_note: bool = False  # a reason is required
    moves_due: bool = False  # sets a new due date (services/deadlines.py explains it)


def _t(action: str, label: str, sources: set[str | None], target: str | None, roles: set[str],
       public: bool = True, needs_note: bool = False, moves_due: bool = False) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles), public,
                      needs_note, moves_due)


_ANY = {Status.SUBMITTED, Status.ASSIGNED, Status.REPLIED, Status.CLOSED, Status.REJECTED}
# staff roles; an administrator acts in whichever of them an action needs (services/workbench.py)
_STAFF = {"dispatcher", "handler", "reviewer", "supervisor"}

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    # staff file a message for a caller on the phone too (代录; the event names them)
    _t("submit", "提交留言", {None}, Status.SUBMITTED, {"citizen", "system", *INTAKE_ROLES}),
    _t("dispatch", "已分办至承办单位", {Status.SUBMITTED}, Status.ASSIGNED,
       {"dispatcher", "supervisor"}),
    _t("reject", "不予受理", {Status.SUBMITTED}, Status.REJECTED, {"dispatcher", "supervisor"},
       needs_note=True),
    _t("transfer", "已转办至其他单位", {Status.ASSIGNED}, None,
       {"dispatcher", "handler", "reviewer", "supervisor"}),
    _t("return", "退回分办", {Status.ASSIGNED}, Status.SUBMITTED, {"handler", "reviewer"},
       public=False, needs_note=True),
    _t("request_extension", "申请延期", {Status.ASSIGNED}, None, {"handler", "reviewer"},
       public=False, needs_note=True),
    _t("approve_extension", "延长答复期限", {Status.ASSIGNED}, None, {"supervisor"},
       needs_note=True, moves_due=True),
    _t("refuse_extension", "延期申请未获批准", {Status.ASSIGNED}, None, {"supervisor"},
       public=False),
    _t("attach_reply_file", "添加答复附件", {Status.ASSIGNED}, None, {"handler", "reviewer"},
       public=False),
    _t("remove_reply_file", "删除答复附件", {Status.ASSIGNED}, None, {"handler", "reviewer"},
       public=False),
    _t("reply", "已答复", {Status.ASSIGNED}, Status.REPLIED, {"handler", "reviewer"}),
    _t("rate", "评价办理结果", {Status.REPLIED}, Status.CLOSED, {"citizen"}),
    # what the citizen adds from the tracking page (services/followups.py)
    _t("supplement", "提交人补充材料", {Status.SUBMITTED}, None, {"citizen"}, needs_note=True),
    _t("follow_up", "提交人追问", {Status.REPLIED, Status.CLOSED}, None, {"citizen"},
       needs_note=True),
    _t("timeout_close", "逾期未评价，自动办结", {Status.REPLIED}, Status.CLOSED, {"system"}),
    _t("reopen", "不满意，重新办理", {Status.CLOSED}, Status.ASSIGNED,
       {"supervisor", "dispatcher"}, needs_note=True, moves_due=True),
    # 依申请公开 (services/procedure.py): 补正 (Art. 30) and third-party consultation (Art. 32)
    _t("request_correction", "告知申请人补正", {Status.SUBMITTED, Status.ASSIGNED}, None,
       {"dispatcher", "handler", "reviewer", "supervisor"}, needs_note=True),
    _t("correction_received", "收到申请人补正，重新计算答复期限",
       {Status.SUBMITTED, Status.ASSIGNED}, None, {"citizen"}, moves_due=True),
    _t("correction_abandoned", "逾期未补正，视为放弃申请", {Status.SUBMITTED, Status.ASSIGNED},
       Status.CLOSED, {"system"}, needs_note=True),
    _t("start_consultation", "征求第三方意见，暂停计时", {Status.ASSIGNED}, None,
       {"handler", "reviewer", "supervisor"}, needs_note=True),
    _t("end_consultation", "第三方意见征求结束，恢复计时", {Status.ASSIGNED}, None,
       {"handler", "reviewer", "supervisor", "system"}, needs_note=True, moves_due=True),
    # workbench steps that leave the status alone; every one is still an event in the log
    _t("note", "内部备注", _ANY, None, _STAFF | {"system"}, public=False, needs_note=True),
    _t("supervise", "督办", _ANY, None, {"supervisor"}, public=False, needs_note=True),
    _t("change_due", "调整答复期限", {Status.SUBMITTED, Status.ASSIGNED}, None, {"supervisor"},
       needs_note=True, moves_due=True),
    _t("draft_reply", "保存答复草稿", {Status.ASSIGNED}, None, {"handler", "reviewer"},
       public=False),
    _t("submit_review", "提交审核", {Status.ASSIGNED}, None, {"handler", "reviewer"},
       public=False),
    _t("return_draft", "审核退回修改", {Status.ASSIGNED}, None, {"reviewer"}, public=False,
       needs_note=True),
    _t("approve_reply", "审核通过", {Status.ASSIGNED}, None, {"reviewer"}, public=False),
    # publication takes two people (services/workbench/letters.py): one proposes the masked
    # texts, a reviewer of the department (the dispatcher where it has none) approves or returns
    _t("propose_letter", "提请公开", {Status.REPLIED, Status.CLOSED}, None,
       {"handler", "reviewer", "dispatcher", "supervisor"}, public=False),
    _t("publish_letter", "在公开信箱发布", {Status.REPLIED, Status.CLOSED}, None,
       {"reviewer", "dispatcher"}, public=False),
    _t("return_letter", "公开审核退回", {Status.REPLIED, Status.CLOSED}, None,
       {"reviewer", "dispatcher"}, public=False, needs_note=True),
    _t("withdraw_letter", "撤回公开", {Status.REPLIED, Status.CLOSED}, None,
       {"handler", "reviewer", "dispatcher", "supervisor"}, public=False, needs_note=True),
    _t("remind", "期限提醒", {Status.SUBMITTED, Status.ASSIGNED}, None, {"system"},
       public=False),
    _t("flag_unsatisfied", "不满意评价提请督办", {Status.CLOSED}, None, {"system"},
       public=False),
    _t("flag_handled", "督办员已处理不满意评价", {Status.CLOSED}, None, {"supervisor"},
       public=False, needs_note=True),
    # 指定承办人 within the department (services/workbench/assignment.py); the note names them
    _t("assign", "指定承办人", {Status.ASSIGNED}, None,
       {"handler", "reviewer", "dispatcher", "supervisor"}, public=False, needs_note=True),
    # a consent to publication the old API may have misread, asked again (domain/consent.py)
    _t("reconfirm_consent", "重新确认公开意愿", _ANY, None, _STAFF, public=False,
       needs_note=True),
    # the privacy statement's retention periods (services/retention.py); only finished messages
    _t("purge_personal", "按保存期限删除个人信息", {Status.CLOSED, Status.REJECTED}, None,
       {"system"}, public=False),
    # 电子监察 (services/workbench/signing.py, notices.py; services/warnings.py)
    _t("sign", "承办单位已签收", {Status.ASSIGNED}, None, {"handler", "reviewer"}),
    _t("grade_change", "预警等级变化", {Status.SUBMITTED, Status.ASSIGNED}, None, {"system"},
       public=False),
    _t("issue_notice", "发出督办/纠错通知", _ANY - {Status.SUBMITTED}, None, {"supervisor"},
       public=False, needs_note=True),
    _t("answer_notice", "回复督办/纠错通知", _ANY - {Status.SUBMITTED}, None,
       {"handler", "reviewer"}, public=False, needs_note=True),
)}


# The actions that hand a message to a department (or back to the dispatcher): its 签收 starts
# again (services/workbench/signing.py counts the working days from the latest of them).
HANDOVER_ACTIONS = frozenset({"dispatch", "transfer", "return", "reopen"})


class TransitionError(ServiceError):
    """The action is not allowed from the message's status or for this actor."""


def allowed(message: Message | None, action: str) -> bool:
    """Whether ``action`` may be taken from ``message``'s status (roles aside)."""
    t = TRANSITIONS.get(action)
    current = message.status if message is not None else None
    return t is not None and current in t.sources


def apply(message: Message, action: str, *, actor: str, role: str, note: str = "",
          now: datetime | None = None, public: bool | None = None) -> Event:
    """Move ``message`` by ``action`` and append the event; the caller's transaction commits it.

    For ``submit`` the message is new: its status is set here so that the first event and the
    status always agree.
    """
    source = None if action == "submit" else message.status
    t = _checked(action, source, role, note)
    if action == "reopen" and any(e.action == "reopen" for e in message.events):
        raise TransitionError("already_reopened", "每件留言只能重新办理一次")
    target = t.target or message.status
    event = Event(
        actor=actor, action=action, from_status=source, to_status=target, note=note,
        public=t.public if public is None else public, created_at=now or utcnow(),
    )
    message.status = target
    if action in HANDOVER_ACTIONS:  # a department that receives it has not signed for it yet
        message.signed_at = message.sign_working_days = None
    message.events.append(event)
    return event


def event_row(message_id: int, action: str, *, status: str | None, actor: str, role: str,
              now: datetime, note: str = "") -> dict[str, Any]:
    """The event of ``action`` on a message in ``status``, as the values of a Core INSERT: for the
    paths that write without the ORM (submission, retention), checked as :func:`apply` checks."""
    t = _checked(action, status, role, note)
    return {"message_id": message_id, "created_at": now, "actor": actor, "action": action,
            "from_status": status, "to_status": t.target or status, "note": note,
            "public": t.public}


def _checked(action: str, source: str | None, role: str, note: str) -> Transition:
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionError("unknown_action", f"未知的操作：{action}")
    if source not in t.sources:
        raise TransitionError("invalid_transition",
                              f"当前状态（{STATUS_LABELS.get(source or '', source)}）不能执行“{t.label}”")
    if role not in t.roles:
        raise TransitionError("forbidden", f"无权执行“{t.label}”")
    if t.needs_note and not note.strip():
        raise TransitionError("note_required", f"“{t.label}”需要填写理由")
    return t
