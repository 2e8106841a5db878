"""Demo data: workbench accounts for ``make run`` (a new user can try every role at once) and a
year of 依申请公开 requests for the demo county's annual report (``flask demo-disclosure``), and
answers to the demo county's 网上调查 (``flask demo-surveys``, also run by ``make run``).

Created only when asked (``scripts/serve --demo-staff``) and only on a database with no staff
account at all, so a real deployment never gets a known password.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.domain import annual_report as report_rows
from formsvc.domain import kinds
from formsvc.domain import procedure as rules
from formsvc.domain.applicants import CITIZEN, ORG_TYPES, ORGANIZATION, REPORT_COLUMNS
from formsvc.domain.outcomes import OUTCOMES
from formsvc.domain.procedure import CORRECTION_ABANDONED
from formsvc.domain.workdays import Calendar
from formsvc.models import ClockPause, Department, DisclosureCase, Message, ReplyDraft
from formsvc.models.staff import Staff
from formsvc.services import auth, deadlines, lifecycle

DEMO_PASSWORD = "shifan-demo-2026"

# (username, role, department code, display name). Two departments with a handler and a
# reviewer each: 住建局 (no review) and 市场监管局 (review_required in the registry).
DEMO_STAFF: tuple[tuple[str, str, str, str], ...] = (
    ("fenban", "dispatcher", "", "县政府办分办员"),
    ("dubian", "supervisor", "", "县政府督查室督办员"),
    ("zjj-cb", "handler", "zjj", "住建局承办人"),
    ("zjj-sh", "reviewer", "zjj", "住建局审核人"),
    ("scjgj-cb", "handler", "scjgj", "市场监管局承办人"),
    ("scjgj-sh", "reviewer", "scjgj", "市场监管局审核人"),
    ("admin", "admin", "", "系统管理员"),
)


def ensure_demo_staff(session: Session) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts when the staff table is empty; returns what was created."""
    if session.scalar(select(func.count()).select_from(Staff)):
        return []
    for username, role, dept, name in DEMO_STAFF:
        auth.create_staff(session, username=username, password=DEMO_PASSWORD, role=role,
                          display_name=name, department_code=dept)
    session.commit()
    return list(DEMO_STAFF)


# --- a year of 依申请公开 requests for the demo county and its annual report ----------------------

DEMO_YEAR = 2025
ABANDONED = "abandoned"  # the demo's outcome of a request closed as 视为放弃
# How a request lands in each result row of the report (outcome, report_row); "rejected" is a
# request refused (不予受理), "abandoned" one closed as 视为放弃 after an unanswered 补正 (Art. 30).
# The row no record reaches (逾期未缴费: the service charges no fee) is left out.
DEMO_WAYS: dict[str, tuple[tuple[str, str], ...]] = {
    "disclosed": (("disclosed", ""), ("proactively_disclosed", "")),
    "partial": (("partially_disclosed", ""),),
    **{r: (("not_disclosed", r),) for r in report_rows.OUTCOME_ROWS["not_disclosed"]},
    "unable.not_held": (("not_exist", ""), ("not_responsible", "")),
    "unable.needs_making": (("not_exist", "unable.needs_making"),),
    "unable.unclear": (("not_exist", "unable.unclear"),),
    "not_handled.petition": (("not_a_request", ""),),
    "not_handled.duplicate": (("duplicate", ""),),
    "not_handled.publication": (("not_a_request", "not_handled.publication"),),
    "not_handled.mass": (("not_a_request", "not_handled.mass"),),
    "not_handled.confirm": (("not_a_request", "not_handled.confirm"),),
    "other.no_correction": ((ABANDONED, ""),),
    "other.other": (("special_rules", ""), ("rejected", "")),
}
_DETAILS = {CITIZEN: {"applicant_type": CITIZEN, "delivery": "email", "medium": "email"},
            **{c: {"applicant_type": ORGANIZATION, "org_type": c, "delivery": "email",
                   "medium": "email"} for c, _ in ORG_TYPES}}


def add_disclosure_request(session: Session, column: str, received: date,
                           finished: date | None = None, outcome: str = "",
                           report_row: str = "", *, duplicate_of: int | None = None,
                           kind: str = "ysqgk", working_days: int = 5,
                           department: Department | None = None,
                           pause: str = "", calendar: Calendar | None = None,
                           config: Mapping[str, Any] | None = None) -> Message:
    """A request as the office's records would hold it once handled (flushed, not committed):
    received on ``received``, answered with ``outcome`` on ``finished`` (or refused, for
    ``outcome="rejected"``; or closed as 视为放弃 after a 补正 left unanswered, for
    ``outcome=ABANDONED``), open when ``finished`` is None. ``pause`` ("correction" or
    "third_party") stops its clock once on the way: answered or ended before ``finished``,
    still open when the request is. Its history is what the procedure would have written: the
    submission, 分办 (or 不予受理), the pause's steps and the reply, each event at its day (the
    county's ``calendar`` moves the due date as a 补正 or a consultation does). Its due date
    is counted as a submission's: the kind's time limit (after ``config``'s TIME_LIMITS) in
    working days of ``calendar``. For demo data and tests."""
    n = session.scalar(select(func.count()).select_from(Message)) or 0
    rejected = outcome == "rejected"
    abandoned = outcome == ABANDONED
    closed = "rejected" if rejected else "closed" if abandoned else "replied"
    actors = _demo_actors(session, department)  # before the new row, which has no status yet
    calendar = calendar or Calendar.from_file(None)
    limit = kinds.time_limit(kinds.KINDS_BY_CODE[kind], config or {})
    count = deadlines.first_count(calendar, received, limit)
    m = Message(
        tracking_number=f"GK{received:%Y%m%d}-D{n + 1:05d}", query_code_hash="-", kind=kind,
        department=department, project_slug="", name="示例申请人", phone="13800000000",
        email="", address="", subject=f"示例申请 {n + 1}", content="申请公开示例信息。",
        consent_publish=False, details=dict(_DETAILS[column]),
        submitted_at=datetime(received.year, received.month, received.day, 1, tzinfo=UTC),
        received_on=received, due_date=count.due, time_limit_days=limit,
        extension_days=0, text_hash=f"demo{n + 1}", duplicate_of_id=duplicate_of, reply_text="",
        rating="", rating_comment="", client_ip="")
    if finished and rejected:
        m.closed_at = _at(finished)
    elif finished and not abandoned:  # 视为放弃 closes it on that day: _demo_pause
        m.replied_at = _at(finished)
        m.replied_on, m.reply_working_days = finished, working_days
        m.reply_text = f"答复结果：{OUTCOMES.get(outcome, outcome)}"
    session.add(m)
    timeline = _Timeline(m, actors)
    timeline.apply("submit", "citizen", m.submitted_at)
    if finished and rejected:
        timeline.apply("reject", "dispatcher", _at(finished), DEMO_REJECT_REASON)
    else:
        timeline.apply("dispatch", "dispatcher", m.submitted_at + timedelta(minutes=30),
                       f"分办至{department.name if department else '承办单位'}")
    session.flush()
    if finished and not (rejected or abandoned):
        session.add(ReplyDraft(message_id=m.id, text=m.reply_text, outcome=outcome,
                               outcome_note=DEMO_OUTCOME_NOTE, report_row=report_row,
                               status="sent", review_note=""))
    if abandoned:
        pause = "correction"
    if pause and not rejected:
        session.add(_demo_pause(timeline, pause, finished if abandoned else None,
                                None if finished is None else finished - timedelta(days=3),
                                calendar))
    if finished and not (rejected or abandoned):
        timeline.apply("reply", "handler", _at(finished),
                       f"答复结果：{OUTCOMES[outcome]}（{DEMO_OUTCOME_NOTE}）")
    if m.status != (closed if finished else "assigned"):  # the demo's own bug, not the data's
        raise AssertionError(f"demo request {m.tracking_number} ended {m.status}")
    return m


# What the demo's staff wrote where the procedure asks for a text
DEMO_REJECT_REASON = "申请内容为信访诉求，不属于政府信息公开申请（示例）"
DEMO_OUTCOME_NOTE = "示例说明"


def _at(day: date) -> datetime:
    # 10:00 in the county: office hours
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def _demo_actors(session: Session, department: Department | None) -> dict[str, str]:
    """role → who the demo's events name: an active account of the role (the department's own
    handler) when one exists, as the workbench would name it; otherwise the system."""
    actors = {"citizen": "citizen", "system": "system"}
    for role, dept_id in (("dispatcher", None), ("handler", department.id if department else -1)):
        q = select(Staff).where(Staff.role == role, Staff.active.is_(True)).order_by(Staff.id)
        if dept_id is not None:
            q = q.where(Staff.department_id == dept_id)
        found = session.scalar(q.limit(1))
        actors[role] = found.actor if found is not None else "system"
    return actors


class _Timeline:
    """A demo request's history, written through the state machine as the workbench writes it
    (lifecycle.apply checks every step), with the demo's own times."""

    def __init__(self, message: Message, actors: dict[str, str]) -> None:
        self.message, self.actors = message, actors

    def apply(self, action: str, role: str, at: datetime, note: str = "") -> None:
        """Append ``action`` done in ``role`` at ``at``."""
        lifecycle.apply(self.message, action, actor=self.actors[role], role=role, note=note,
                        now=at)


def _demo_pause(timeline: _Timeline, kind: str, abandoned_on: date | None,
                ended_on: date | None, calendar: Calendar) -> ClockPause:
    """The clock stop of a demo request, and its events as the procedure writes them
    (services/workbench/procedure.py, services/procedure.py): asked two days after receipt;
    视为放弃 on ``abandoned_on``, else answered (补正: the time limit again from then) or ended
    (consultation: the due date moves by the working days it took) on ``ended_on``, else open."""
    m = timeline.message
    started = m.received_on + timedelta(days=2)
    reason = "请写明所需信息的名称和文号" if kind == "correction" else "示例第三方"
    new_due: date | None = None
    if abandoned_on is not None:
        due, ended, outcome, answer = abandoned_on - timedelta(days=1), abandoned_on, \
            CORRECTION_ABANDONED, ""
    else:
        due = started + timedelta(days=21)
        ended = max(started, ended_on) if ended_on is not None else None
        outcome = "" if ended is None else "answered" if kind == "correction" else "ended"
        answer = "" if ended is None else "补正内容示例" if kind == "correction" else "第三方意见示例"
    old_due = m.due_date
    if kind == "correction":
        timeline.apply("request_correction", "handler", _at(started),
                       f"请于 {due.isoformat()} 前补正：{reason}")
    else:
        timeline.apply("start_consultation", "handler", _at(started),
                       rules.CONSULTATION_STARTED_NOTE)
        timeline.apply("note", "handler", _at(started), f"征求第三方意见：{reason}")
    if ended is not None and outcome == CORRECTION_ABANDONED:
        timeline.apply("correction_abandoned", "system", _at(ended),
                       rules.CORRECTION_ABANDONED_NOTE)
        m.closed_at = _at(ended)
    elif ended is not None and kind == "correction":
        new_due = deadlines.correction_count(calendar, ended, m.time_limit_days).due
        timeline.apply("correction_received", "citizen", _at(ended),
                       f"答复期限自收到补正之日起重新计算，至 {new_due.isoformat()}")
    elif ended is not None:
        days = deadlines.consultation_days(calendar, started, ended)
        new_due = deadlines.consultation_count(calendar, old_due, days).due
        timeline.apply("end_consultation", "handler", _at(ended),
                       f"征求意见用时 {days} 个工作日，不计入答复期限；答复期限由 "
                       f"{old_due.isoformat()} 顺延至 {new_due.isoformat()}")
        timeline.apply("note", "handler", _at(ended), f"第三方意见：{answer}")
    if new_due is not None:
        m.due_date = new_due
    return ClockPause(
        message_id=m.id, kind=kind, reason=reason,
        started_at=_at(started), started_on=started, answer_due=due, old_due_date=old_due,
        ended_at=None if ended is None else _at(ended),
        ended_on=ended, outcome=outcome, answer=answer,
        new_due_date=None if ended is None else (new_due or old_due))


def _demo_pause_kind(report_row: str, k: int) -> str:
    """Which demo requests had their clock stopped: those withheld to protect a third party were
    put to it (Art. 32), those still unclear after a 补正 and every fourth other one had one."""
    if report_row == "withheld.third_party":
        return "third_party"
    if report_row == "unable.unclear" or k % 4 == 3:
        return "correction"
    return ""


def seed_disclosure_year(session: Session, year: int = DEMO_YEAR,
                         calendar: Calendar | None = None,
                         config: Mapping[str, Any] | None = None) -> int:
    """The demo county's 依申请公开 requests of ``year`` (every outcome row, every applicant
    type, some carried in from the year before and into the next) and its review and
    litigation cases; nothing when the year has requests already. Returns the requests added."""
    first = date(year, 1, 1)
    if session.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "ysqgk", Message.received_on >= first,
            Message.received_on <= date(year, 12, 31))):
        return 0
    office = session.scalar(select(Department).where(
        Department.accepts_disclosure_requests.is_(True)).order_by(Department.id))
    columns = [c for c, _ in REPORT_COLUMNS]
    added = 0
    for r, ways in enumerate(DEMO_WAYS.values()):
        for j, col in enumerate(columns):
            i = r * len(columns) + j
            # citizens send most requests and most are answered with the information, as in a
            # real county; every other cell gets 0 to 2
            many = (3 if col == CITIZEN else 0) + (8 if ways is DEMO_WAYS["disclosed"] else 0)
            for k in range(many + (r + j) % 3):
                outcome, report_row = ways[k % len(ways)]
                received = date(year, 1 + (i * 7 + k * 5) % 12, 1 + (j * 4 + k) % 27)
                # late in the year: answered in the next one, so carried over
                finished = received + timedelta(days=14 + (i + k) % 15)
                add_disclosure_request(session, col, received, finished, outcome, report_row,
                                       department=office, working_days=10 + (i + k) % 10,
                                       pause=_demo_pause_kind(report_row, k), calendar=calendar,
                                       config=config)
                added += 1
            i += 1
    # into the next year with its 补正 still awaited at the end of this one
    add_disclosure_request(session, CITIZEN, date(year, 12, 18), department=office,
                           pause="correction", calendar=calendar, config=config)
    added += 1
    # carried in from the year before, one answered and one still open
    for col, finished in ((CITIZEN, date(year, 1, 9)), ("legal_service", None)):
        add_disclosure_request(session, col, date(year - 1, 12, 22), finished,
                               "disclosed" if finished else "", department=office,
                               calendar=calendar, config=config)
        added += 1
    for kind, received, result, decided in (
            ("review", date(year, 3, 2), "upheld", date(year, 5, 8)),
            ("review", date(year, 6, 15), "corrected", date(year, 8, 20)),
            ("review", date(year, 11, 20), "pending", None),
            ("litigation_direct", date(year, 4, 9), "upheld", date(year, 9, 30)),
            ("litigation_direct", date(year, 10, 12), "pending", None),
            ("litigation_after_review", date(year, 7, 1), "other", date(year, 12, 1))):
        session.add(DisclosureCase(kind=kind, received_on=received, result=result,
                                   decided_on=decided, case_number="", note="示例案件"))
    session.commit()
    return added


# 网上调查 of the demo county (content/surveys/): answers to the closed survey, with a few of its
# suggestions published, and some to the open one, so both results and live counts show figures.
DEMO_SURVEY_ANSWERS = {"school-meals-2026": 240, "parking-2026": 60}
DEMO_SUGGESTIONS = ("希望课后服务多安排体育活动，孩子放学后运动时间太少。",
                    "营养餐口味偏淡，建议征求学生意见调整菜单。",
                    "建议延长课后服务到 18 时，家长可以晚些来接。有事请打 13812345678 联系我。",
                    "阅读课很好，希望学校图书室课后也开放。")


def seed_surveys(session: Session, surveys: dict[str, Any], config: Mapping[str, Any]) -> int:
    """Answers to the demo surveys (only to a survey that has none yet); how many were added."""
    import random

    from formsvc.domain import surveys as survey_defs
    from formsvc.forms import surveys as answers
    from formsvc.models import SurveyResponse, SurveyText
    from formsvc.services import county_numbers, masking
    from formsvc.services import surveys as survey_svc

    rng = random.Random(2026)
    added = 0
    for slug, n in DEMO_SURVEY_ANSWERS.items():
        survey = surveys.get(slug)
        if survey is None or session.scalar(select(func.count()).select_from(SurveyResponse)
                                            .where(SurveyResponse.survey == slug)):
            continue
        for i in range(n):
            raw: dict[str, list[Any]] = {}
            for q in survey.questions:
                values = [v for v, _ in q.choices]
                if q.type == "text":
                    raw[q.id] = [DEMO_SUGGESTIONS[i % len(DEMO_SUGGESTIONS)]] if i % 6 == 0 else []
                elif q.type == "multiple":
                    k = max(q.min_choices, 1)
                    raw[q.id] = rng.sample(values, min(len(values), rng.randint(k, q.max_choices)))
                elif q.type == "scale":  # leaning to the upper half, as satisfaction surveys do
                    raw[q.id] = [min(q.scale, max(1, round(rng.gauss(q.scale * 0.7, 1))))]
                else:
                    raw[q.id] = [rng.choice(values)]
            answer, errors = answers.check(survey, raw, "示范家长", "13800000000")
            if errors:
                raise ValueError(f"demo answer to {slug} refused: {errors}")
            survey_svc.submit(session, survey, answer)
            added += 1
        if survey.state(survey_defs.today(config)) == "closed":  # three suggestions published
            numbers = county_numbers.public_numbers(session, config)
            for row in session.scalars(select(SurveyText).where(SurveyText.survey == slug)
                                       .order_by(SurveyText.id).limit(3)):
                row.published, row.published_at = True, datetime.now(UTC)
                row.public_text = masking.mask_text(row.text, ["示范家长", "13800000000"], numbers)
            session.commit()
    return added
