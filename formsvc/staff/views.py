"""Workbench pages. Views parse the form and call formsvc.services.workbench, which checks the
staff member's scope and role; a message outside the scope is a 404 like an unknown one."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from formsvc.config import county_date, setting
from formsvc.db import get_session, utcnow
from formsvc.domain import channels, consent, kinds
from formsvc.domain.annual_report import CASE_KINDS, CASE_RESULTS, REPORT_ROW_CHOICES
from formsvc.domain.outcomes import OUTCOMES
from formsvc.domain.procedure import CORRECTION_WINDOW_DAYS, PAUSE_LABELS, THIRD_PARTY_MAX_DAYS
from formsvc.domain.supervision import NOTICE_KINDS, SIGN_WITHIN_WORKING_DAYS
from formsvc.domain.workdays import schedule_warning
from formsvc.forms import fields, work_orders
from formsvc.forms.text import clean_text
from formsvc.models.staff import INTAKE_ROLES, ROLE_LABELS, Staff
from formsvc.services import (
    annual_report,
    auth,
    departments,
    lifecycle,
    procedure,
    uploads,
    warnings,
)
from formsvc.services import workbench as wb
from formsvc.services.lifecycle import STATUS_LABELS
from formsvc.services.workbench.moderation import READER_ROLES as PARTICIPATION_READERS
from formsvc.web import audit_log
from formsvc.web.errors import error_response
from formsvc.web.extensions import limiter
from formsvc.web.filters import parse_date
from formsvc.web.runtime import calendar, department_duties, projects
from portal import report as content_report

# static/: the workbench stylesheet, served as /hdjl/staff/static/staff.css
bp = Blueprint("staff", __name__, url_prefix="/hdjl/staff", static_folder="static")


def login_limit() -> str:
    """LOGIN_RATE_LIMIT, read per request (tests change it)."""
    return setting(current_app.config, "LOGIN_RATE_LIMIT")


def _ctx() -> wb.Context:
    return wb.Context(get_session(), current_app.config, calendar())


# Staff input gets the citizens' rule for odd characters (formsvc.forms.text): PostgreSQL refuses
# a NUL in text, and control or bidi characters in a note would mislead the next reader.
@bp.url_value_preprocessor
def _clean_number(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and isinstance(values.get("number"), str):
        values["number"] = clean_text(values["number"])


def _staff_form() -> dict[str, str]:
    return {k: clean_text(v, multiline=True) for k, v in request.form.items()
            if k != "csrf_token"}


def _staff() -> Staff:
    staff: Staff | None = g.get("staff")
    if staff is None:  # before_request has redirected already; this keeps type checkers calm
        abort(403)
    return staff


@bp.before_request
def load_staff() -> Response | None:
    """Every workbench page needs a fresh session; the login page is the only exception."""
    g.staff = None
    data = session.get("staff")
    now = time.time()
    if data:
        fresh = auth.session_fresh(current_app.config, data.get("login_at", 0),
                                   data.get("seen_at", 0), now)
        staff = auth.load_staff(get_session(), int(data.get("id", 0)), data.get("fp", "")) \
            if fresh else None
        if staff is None:
            session.pop("staff", None)
            if request.endpoint != "staff.login":
                flash("登录已过期，请重新登录")
        else:
            g.staff = staff
            data["seen_at"] = now
            session["staff"] = data
    if g.staff is None and request.endpoint not in ("staff.login", "staff.static"):
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?")), code=303)
    return None


@bp.after_request
def private_headers(resp: Response) -> Response:
    # staff pages hold personal data: never cached, never indexed (the stylesheet may be cached)
    """Staff pages are never cached and never indexed."""
    if request.endpoint != "staff.static":
        resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def staff_nav(staff: Staff | None) -> list[tuple[str, str]]:
    """The workbench screens ``staff`` may open, as (endpoint, label), in the navigation's order."""
    if staff is None:
        return []
    items = [("staff.queue", "待分办")] if staff.county_wide else []
    items += [("staff.inbox", "全部留言" if staff.county_wide else "本单位留言"),
              ("staff.review", "待审核答复")]
    if staff.role in ("reviewer", "dispatcher", "admin"):
        items.append(("staff.publication", "待审核公开"))
    if staff.role in ("supervisor", "admin"):
        items += [("staff.supervision", "督办"), ("staff.annual_report_page", "年度报告")]
    if staff.department_id:
        items.append(("staff.templates", "答复模板"))
    if staff.role in INTAKE_ROLES:
        items.append(("staff.intake", "电话代录"))
    # 电子监察 (formsvc/staff/supervision_pages.py)
    if staff.role in ("supervisor", "admin", "handler", "reviewer"):
        items.append(("staff.notices_page", "督办通知"))
    if staff.role in ("supervisor", "admin"):
        items += [("staff.performance_page", "绩效评估"), ("staff.report_page", "月度通报")]
    if staff.role in PARTICIPATION_READERS:
        items.append(("staff.participation", "意见征集与访谈"))
    if staff.county_wide or staff.department_id:
        items.append(("staff.surveys", "网上调查"))
    if staff.role == "admin":  # formsvc/staff/admin.py
        items += [("staff.staff_accounts", "账户管理"), ("staff.api_key_list", "API 密钥"),
                  ("staff.failed_mail", "发送失败的邮件")]
    return items


@bp.context_processor
def staff_context() -> dict[str, Any]:
    """What every workbench template reads: the account, its navigation, the label tables, and
    whether a holiday schedule that due dates need is missing (from 1 November for next year)."""
    staff = g.get("staff")
    warning = schedule_warning(calendar(), county_date(current_app.config, utcnow())) \
        if staff else ""
    return {"staff": staff, "staff_nav": staff_nav(staff), "calendar_warning": warning,
            "ROLE_LABELS": ROLE_LABELS, "STATUS_LABELS": STATUS_LABELS,
            "KINDS": kinds.KINDS, "kind_label": kinds.label, "OUTCOMES": OUTCOMES,
            "REPORT_ROW_CHOICES": REPORT_ROW_CHOICES,
            "REPLY_STATUS_LABELS": wb.REPLY_STATUS_LABELS,
            "PROPOSAL_STATUS_LABELS": wb.PROPOSAL_STATUS_LABELS,
            "EXTENSION_STATUS_LABELS": wb.EXTENSION_STATUS_LABELS,
            "CONSENT_SOURCE_LABELS": consent.SOURCE_LABELS,
            "CONSENT_UNCONFIRMED_MESSAGE": consent.UNCONFIRMED_MESSAGE}


def _safe_next(target: str | None) -> str:
    # only paths on this site: an open redirect would make the login page a phishing tool
    if target and target.startswith("/hdjl/staff") and not urlsplit(target).netloc:
        return target
    return url_for("staff.home")


# --- login -----------------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> Any:
    """The login form; a success starts a new session and goes where the user was headed."""
    if g.get("staff") is not None and request.method == "GET":
        return redirect(url_for("staff.home"))
    errors: list[dict[str, str]] = []
    username = (request.form.get("username") or "").strip()
    if request.method == "POST":
        password = request.form.get("password") or ""
        if not username:
            errors.append({"text": "请填写用户名", "href": "#username"})
        if not password:
            errors.append({"text": "请填写密码", "href": "#password"})
        if not errors:
            try:
                staff = auth.login(get_session(), current_app.config, username, password)
            except auth.AuthError as exc:
                errors.append({"text": exc.message, "href": "#username"})
                # the name is logged only when it is an account's (not a password typed there)
                audit_log.record("login", exc.code, staff=exc.staff)
            else:
                audit_log.record("login", "ok", staff=staff)
                # a new session on login: nothing from before it (fixation) carries over
                session.clear()
                now = time.time()
                session["staff"] = {"id": staff.id, "fp": auth.fingerprint(staff),
                                    "login_at": now, "seen_at": now}
                return redirect(_safe_next(request.args.get("next")), code=303)
    status = 400 if errors else 200
    return render_template("staff/login.html", errors=errors, username=username,
                           next=request.args.get("next", "")), status


@bp.post("/logout")
def logout() -> Any:
    """End the session."""
    audit_log.record("logout", "ok", staff=g.get("staff"))
    session.pop("staff", None)
    flash("已退出登录")
    return redirect(url_for("staff.login"), code=303)


# --- lists -----------------------------------------------------------------------------------------


@bp.get("/")
def home() -> Any:
    """Each role's first page: the dispatch queue, supervision, review or the inbox."""
    staff = _staff()
    target = {"dispatcher": "staff.queue", "supervisor": "staff.supervision",
              "reviewer": "staff.review"}.get(staff.role, "staff.inbox")
    return redirect(url_for(target))


def _page_links(endpoint: str, pages: int, **args: Any) -> list[str]:
    return [url_for(endpoint, **{**args, "page": n}) for n in range(1, pages + 1)]


def _filter_from_args() -> tuple[wb.InboxFilter, dict[str, str]]:
    """The list filter in the query string, and the query string that keeps it (for the pager)."""
    args = request.args
    number = clean_text(args.get("number") or "").upper()
    f = wb.InboxFilter(kind=args.get("kind", "") if kinds.get(args.get("kind", "")) else "",
                       status=args.get("status", "open"),
                       date_from=parse_date(args.get("from")),
                       date_to=parse_date(args.get("to")),
                       deadline=args.get("deadline", "") if args.get("deadline") in (
                           "overdue", "due_soon") else "",
                       department=clean_text(args.get("department") or ""), number=number,
                       page=args.get("page", 1, type=int) or 1,
                       assignee=args.get("assignee", "") if args.get("assignee") in (
                           "mine", "none") else "")
    if f.status not in ("", "open", *STATUS_LABELS):
        f.status = "open"
    query = {k: v for k, v in {"kind": f.kind, "status": f.status,
                               "from": args.get("from", ""), "to": args.get("to", ""),
                               "deadline": f.deadline, "department": f.department,
                               "number": number, "assignee": f.assignee}.items() if v}
    return f, query


@dataclass(frozen=True)
class CountLink:
    key: str
    label: str
    n: int
    href: str
    current: bool


def count_links(staff: Staff, current: str = "") -> list[CountLink]:
    """The counts bar: each state's count (one query, wb.state_counts) and the list it opens."""
    counts = wb.state_counts(_ctx(), staff)
    items = [("submitted", "待分办", url_for("staff.queue"))] if staff.county_wide else []
    items += [("assigned", "办理中", url_for("staff.inbox", status="assigned")),
              ("due_soon", "即将到期", url_for("staff.inbox", deadline="due_soon")),
              ("overdue", "已超期", url_for("staff.inbox", deadline="overdue")),
              ("pending_review", "待审核", url_for("staff.review"))]
    return [CountLink(key, label, getattr(counts, key), href, key == current)
            for key, label, href in items]


def _current_count(f: wb.InboxFilter) -> str:
    # the count whose list this is exactly; with any further filter it is a part of one: none
    narrowed = f.kind or f.number or f.department or f.date_from or f.date_to or f.assignee
    if f.deadline and f.status == "open" and not narrowed:
        return f.deadline
    if f.status == "assigned" and not (f.deadline or narrowed):
        return "assigned"
    return ""


@bp.get("/queue")
def queue() -> Any:
    """New and returned messages waiting for 分办 (county-wide roles only)."""
    return queue_page()


# who may 分办 several messages at once from the queue (formsvc/staff/bulk.py): whoever may 分办
# one (lifecycle), and administrators, who act in any staff role
BULK_ROLES = lifecycle.TRANSITIONS["dispatch"].roles | {"admin"}


def queue_page(errors: list[dict[str, str]] | None = None, form: dict[str, Any] | None = None,
               status: int = 200) -> Any:
    """The dispatch queue; with a refused bulk 分办's errors and choices when there is one."""
    staff = _staff()
    if not staff.county_wide:
        abort(404)
    f, query = _filter_from_args()
    query.pop("status", None)
    page = wb.dispatch_queue(_ctx(), staff, f.page, f)
    bulk = staff.role in BULK_ROLES
    return render_template(
        "staff/queue.html", heading="待分办留言", rows=page.rows, total=page.total,
        number=page.page, pages=_page_links("staff.queue", page.pages, **query),
        counts=count_links(staff, "" if query else "submitted"),
        intro="新提交的留言和被退回的留言，已超期的在前（超期最久的最先），其余按答复期限由近到远。"
              "打开留言后选择承办单位分办，或说明理由不予受理。"
              + ("也可以勾选几件留言，一次分办到同一个单位。" if bulk else ""),
        bulk=bulk, errors=errors or [], form=form or {}, bulk_max=wb.BULK_MAX,
        department_items=[("", "请选择"), *((d.code, d.name)
                                           for d in departments.active(get_session()))]
        if bulk else []), status


@bp.get("/inbox")
def inbox() -> Any:
    """The messages in scope with their filters; a whole tracking number opens the message."""
    staff = _staff()
    ctx = _ctx()
    f, query = _filter_from_args()
    if f.number:
        # a whole tracking number opens the message straight away (when it is in scope)
        try:
            wb.get_message(ctx, staff, f.number)
        except wb.NotFound:
            pass
        else:
            return redirect(url_for("staff.message", number=f.number))
    page = wb.inbox(ctx, staff, f)
    return render_template(
        "staff/inbox.html", page=page, f=f, args=request.args,
        counts=count_links(staff, _current_count(f)),
        kind_items=[("", "全部类型"), *((k.code, k.label) for k in kinds.KINDS)],
        status_items=[("open", "办理中（未答复）"), ("", "全部状态"), *STATUS_LABELS.items()],
        department_items=[("", "全部单位"), *((d.code, d.name)
                                              for d in departments.active(get_session()))],
        assignee_items=[("", "全部"), ("mine", "我承办的"), ("none", "未指定承办人")],
        assignees=wb.assignee_names(get_session(), (r.message for r in page.rows)),
        pages=_page_links("staff.inbox", page.pages, **query))


@bp.get("/review")
def review() -> Any:
    """Drafts waiting for review in the department."""
    ctx = _ctx()
    staff = _staff()
    rows = [wb.Row(m, ctx.deadline(m)) for m in wb.review_queue(ctx, staff)]
    return render_template(
        "staff/queue.html", heading="待审核答复", rows=rows, total=len(rows), pages=[],
        counts=count_links(staff, "pending_review"),
        intro="已提交审核、尚未发送的答复。审核人打开留言，审核通过即发送，或填写意见退回修改。")


@bp.get("/publication")
def publication() -> Any:
    """Proposals to publish a letter waiting for this staff member's approval (four eyes)."""
    staff = _staff()
    if staff.role not in ("reviewer", "dispatcher", "admin"):
        abort(404)
    ctx = _ctx()
    rows = [wb.Row(m, ctx.deadline(m)) for m, _ in wb.publication_queue(ctx, staff)]
    return render_template(
        "staff/queue.html", heading="待审核公开", rows=rows, total=len(rows), pages=[],
        intro="承办人提请在公开信箱发布的留言。打开留言，逐字核对标出的隐去内容和数字，"
              "审核通过即发布，或填写理由退回；不能审核自己提请的公开。")


# the field each refusal of annual_report.add_case points to
_CASE_FIELDS = {"invalid_kind": "kind", "invalid_result": "result", "invalid_decision": "decided",
                "too_long": "number"}


@bp.route("/annual-report", methods=["GET", "POST"])
def annual_report_page() -> Any:
    """The annual report's tables of a year (?year=, default last year) from the records as
    they are now, for supervisors and administrators; ?format=json or csv to download; POST
    records a 行政复议 or 行政诉讼 case (table 四)."""
    staff = _staff()
    if staff.role not in ("supervisor", "admin"):
        abort(404)
    this_year = county_date(current_app.config, utcnow()).year
    year = request.args.get("year", "")
    year_n = int(year) if year.isdigit() and 2000 <= int(year) <= this_year else this_year - 1
    errors: list[dict[str, str]] = []
    form = _staff_form() if request.method == "POST" else {}
    if request.method == "POST":
        received, decided = parse_date(form.get("received")), parse_date(form.get("decided"))
        if received is None:
            errors.append({"text": "请填写收到日期（YYYY-MM-DD）", "href": "#received"})
        elif form.get("decided") and decided is None:
            errors.append({"text": "审结日期格式应为 YYYY-MM-DD", "href": "#decided"})
        else:
            try:
                annual_report.add_case(get_session(), form.get("kind", ""), received,
                                       form.get("result", ""), decided, form.get("number", ""),
                                       form.get("note", ""))
            except annual_report.ReportError as exc:
                errors.append({"text": exc.message,
                               "href": f"#{_CASE_FIELDS.get(exc.code, 'kind')}"})
            else:
                flash("案件已登记")
                return redirect(url_for("staff.annual_report_page", year=received.year),
                                code=303)
    data = annual_report.report(get_session(), current_app.config, year_n)
    fmt = request.args.get("format", "")
    if fmt == "json":
        return jsonify(data)
    if fmt == "csv":
        return Response(annual_report.as_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=annual-report-{year_n}.csv"})
    downloads = [(label, url_for("staff.annual_report_page", year=year_n, format=f))
                 for label, f in (("下载 CSV", "csv"), ("JSON 数据", "json"))]
    return render_template("report/annual.html", report=data, downloads=downloads,
                           parts=content_report.page_parts(data), case_form=form,
                           errors=errors, CASE_KINDS=CASE_KINDS, CASE_RESULTS=CASE_RESULTS), \
        400 if errors else 200


@bp.get("/supervision")
def supervision() -> Any:
    """The supervisor's page: overdue and due soon by department, flags, extension requests."""
    staff = _staff()
    if staff.role not in ("supervisor", "admin"):
        abort(404)
    ctx = _ctx()
    return render_template("staff/supervision.html", groups=wb.watch_list(ctx, staff),
                           warning_rows=warnings.department_table(ctx),
                           flagged=wb.flagged(ctx, staff),
                           extensions=wb.pending_extensions(ctx, staff),
                           can_reopen=wb.can_reopen)


# --- one message -----------------------------------------------------------------------------------


def _render_message(number: str, errors: list[dict[str, str]] | None = None,
                    form: dict[str, str] | None = None, status: int = 200) -> Any:
    staff = _staff()
    ctx = _ctx()
    try:
        message = wb.get_message(ctx, staff, number)
    except wb.NotFound:
        abort(404)
    db = ctx.session
    letter = wb.letter_of(db, message)
    proposal = wb.proposal_of(db, message)
    approvable = proposal is not None and wb.approval_refusal(db, staff, message, proposal) is None
    # 分办's suggestion, only where 分办 is offered: it marks an option, it never picks one
    suggestion = wb.suggest_department(ctx, message, department_duties()) \
        if wb.can(staff, message, "dispatch") else None
    context = {
        "m": message, "ctx": ctx, "deadline": ctx.deadline(message),
        "kind": kinds.get(message.kind), "draft": wb.draft_of(db, message),
        "extensions": wb.extensions(db, message),
        "pending_extension": wb.pending_extension(db, message),
        "templates": wb.templates_for(db, staff, message.department_id),
        "letter": letter, "proposal": proposal, "approvable": approvable,
        "letter_review": wb.review_of(ctx, message, proposal) if approvable and proposal else {},
        "letter_fields": wb.LETTER_FIELDS,
        "proposer": db.get(Staff, proposal.proposed_by_id) if proposal else None,
        "needs_reconfirmation": consent.needs_reconfirmation(message.consent_publish,
                                                             message.consent_source),
        "project": projects().get(message.project_slug) if message.project_slug else None,
        "letter_texts": wb.letter_draft(ctx, message) if message.replied_at else {},
        "names": wb.staff_names(db, message.events),
        "labels": {a: t.label for a, t in lifecycle.TRANSITIONS.items()},
        "suggestion": suggestion, "must_review": wb.must_review(staff, message),
        "department_items": [("", "请选择"), *((d.code, d.name + (
            "（建议）" if suggestion and d.code == suggestion.code else ""))
            for d in departments.active(db))],
        "detail_label": _detail_label, "detail_value": _detail_value, "can": lambda a: wb.can(staff, message, a),
        "can_reopen": wb.can_reopen(message),
        "reporter_visible": wb.reporter_visible(staff, message),
        "citizen_files": wb.citizen_files(staff, message),
        "hidden_files_note": wb.hidden_files_note(staff, message),
        "CHANNELS": channels.CHANNELS, "errors": errors or [], "form": form or {},
        "assignee": db.get(Staff, message.assignee_id) if message.assignee_id else None,
        "assignable": [(str(s.id), s.display_name + "（" + s.role_label + "）")
                       for s in wb.assignable(db, message)],
        "pause": message.open_pause, "pauses": list(message.pauses),
        "reply_files": wb.reply_files(message), "reply_notice": wb.notice_of(db, message),
        "reply_accept": ",".join(sorted(set(uploads.REPLY_ACCEPTED.values()))),
        "correction_days": procedure.correction_days(current_app.config),
        "PAUSE_LABELS": PAUSE_LABELS,
        # the time rules the hints quote, from the tables that apply them
        "CORRECTION_WINDOW_DAYS": CORRECTION_WINDOW_DAYS, "THIRD_PARTY_MAX_DAYS": THIRD_PARTY_MAX_DAYS,
        "SIGN_WITHIN_WORKING_DAYS": SIGN_WITHIN_WORKING_DAYS,
        "can_sign": wb.can_sign(staff, message), "notices": wb.notices_of(db, message),
        "undelivered_sms": wb.undelivered_sms(db, message) if message.notify_sms else [],
        "NOTICE_KINDS": NOTICE_KINDS,
        "extension_limit": kinds.extension_limit(kinds.get(message.kind), current_app.config)
        if kinds.get(message.kind) else 0,
    }
    return render_template("staff/message.html", **context), status


@bp.get("/m/<number>")
def message(number: str) -> Any:
    """One message with its history and the actions the staff member may take."""
    return _render_message(number)


def _detail_label(key: str) -> str:
    # a key of Message.details is a form field's name: its label is the form's
    if key in fields.FIELDS:
        return fields.label_of(key, current_app.config)
    return work_orders.DETAIL_LABELS.get(key, key)  # a 12345 work order's own facts


def _detail_value(key: str, value: Any) -> str:
    return fields.CHOICE_LABELS.get(key, {}).get(str(value), str(value))


@bp.get("/m/<number>/files/<int:attachment_id>")
def attachment(number: str, attachment_id: int) -> Any:
    """A citizen's attachment, for staff who may see the message (never served publicly)."""
    staff = _staff()
    try:
        message = wb.get_message(_ctx(), staff, number)
    except wb.NotFound:
        abort(404)
    found = next((a for a in message.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    if not wb.attachment_visible(staff, message, found):
        # the page lists no link to it: someone typed or kept the address; the log says who
        audit_log.record("attachment", "forbidden", staff=staff, message=message.tracking_number)
        return error_response(403, "reporter_only", wb.hidden_files_note(staff, message))
    # stored names are ours (random hex + extension), never the citizen's file name
    return send_from_directory(current_app.config["UPLOAD_DIR"], found.stored_name,
                               mimetype=found.mime_type, as_attachment=True,
                               download_name=found.original_name)


def _posted_files() -> list[tuple[str, bytes]]:
    """The files of a multipart action form (the reply's attachments)."""
    return [(f.filename or "", f.read()) for f in request.files.getlist("files")
            if f and (f.filename or "")]


def _bool(form: dict[str, str], key: str) -> bool:
    return form.get(key) in ("y", "1", "true", "on")


# What the reply form's buttons did, for the flash (step → text); a plain save is ACTIONS's text.
REPLY_DONE = {"review": "答复已提交审核", "send": "答复已发送"}

ACTIONS: dict[str, tuple[Callable[[wb.Context, Staff, str, dict[str, str]], Any], str]] = {
    "dispatch": (lambda c, s, n, f: wb.dispatch(c, s, n, f.get("department", ""),
                                                f.get("note", "")), "已分办"),
    "reject": (lambda c, s, n, f: wb.reject(c, s, n, f.get("note", "")), "已不予受理"),
    "transfer": (lambda c, s, n, f: wb.transfer(c, s, n, f.get("department", ""),
                                                f.get("note", ""),
                                                parse_date(f.get("due_date"))), "已转办"),
    "return": (lambda c, s, n, f: wb.return_to_dispatcher(c, s, n, f.get("note", "")),
               "已退回分办"),
    "note": (lambda c, s, n, f: wb.add_note(c, s, n, f.get("note", "")), "已添加内部备注"),
    "request_extension": (lambda c, s, n, f: wb.request_extension(
        c, s, n, f.get("days", ""), f.get("note", "")), "已提交延期申请"),
    "approve_extension": (lambda c, s, n, f: wb.decide_extension(c, s, n, True,
                                                                 f.get("note", "")), "已批准延期"),
    "refuse_extension": (lambda c, s, n, f: wb.decide_extension(c, s, n, False,
                                                                f.get("note", "")), "已不批准延期"),
    "request_correction": (lambda c, s, n, f: wb.request_correction(
        c, s, n, f.get("note", ""), f.get("days", "")), "已告知申请人补正，暂停计时"),
    "start_consultation": (lambda c, s, n, f: wb.start_consultation(c, s, n, f.get("note", "")),
                           "已记录征求第三方意见，暂停计时"),
    "end_consultation": (lambda c, s, n, f: wb.end_consultation(c, s, n, f.get("note", "")),
                         "第三方意见征求结束，答复期限已顺延"),
    "change_due": (lambda c, s, n, f: wb.change_due_date(c, s, n, parse_date(f.get("due_date")),
                                                         f.get("note", "")), "已调整答复期限"),
    # the reply form: its buttons say what follows the saving (REPLY_DONE names it)
    "draft_reply": (lambda c, s, n, f: wb.write_reply(c, s, n, f.get("text", ""),
                                                      f.get("outcome", ""),
                                                      f.get("outcome_note", ""),
                                                      f.get("step", "draft"),
                                                      f.get("report_row", "")), "答复草稿已保存"),
    "attach_reply_file": (lambda c, s, n, f: wb.attach_reply_files(c, s, n, _posted_files()),
                          "答复附件已添加"),
    "remove_reply_file": (lambda c, s, n, f: wb.remove_reply_file(c, s, n, f.get("attachment", "")),
                          "答复附件已删除"),
    "submit_review": (lambda c, s, n, f: wb.submit_for_review(c, s, n), "已提交审核"),
    "return_draft": (lambda c, s, n, f: wb.return_draft(c, s, n, f.get("note", "")),
                     "已退回修改"),
    "approve_reply": (lambda c, s, n, f: wb.approve_reply(c, s, n), "审核通过，答复已发送"),
    "send_reply": (lambda c, s, n, f: wb.send_reply(c, s, n), "答复已发送"),
    "supervise": (lambda c, s, n, f: wb.supervise(c, s, n, f.get("note", "")), "督办意见已发出"),
    "reopen": (lambda c, s, n, f: wb.reopen(c, s, n, f.get("note", "")), "已重新交办"),
    "flag_handled": (lambda c, s, n, f: wb.handle_flag(c, s, n, f.get("note", "")),
                     "已记录处理意见"),
    "propose_letter": (lambda c, s, n, f: wb.propose(c, s, n, f.get("subject", ""),
                                                     f.get("question", ""), f.get("reply", ""),
                                                     _bool(f, "reviewed")),
                       "已提请公开，等待另一位工作人员审核"),
    "publish_letter": (lambda c, s, n, f: wb.approve(c, s, n, f.get("revision")),
                       "审核通过，已在公开信箱发布"),
    "return_letter": (lambda c, s, n, f: wb.send_back(c, s, n, f.get("revision"),
                                                      f.get("note", "")), "已退回公开申请"),
    "withdraw_letter": (lambda c, s, n, f: wb.withdraw(c, s, n, f.get("note", "")), "已撤回公开"),
    "reconfirm_consent": (lambda c, s, n, f: wb.reconfirm_consent(c, s, n, f.get("answer", ""),
                                                                  f.get("note", "")),
                          "已记录提交人的公开意愿"),
    # 电子监察 (services/workbench/signing.py, notices.py)
    "sign": (lambda c, s, n, f: wb.sign(c, s, n), "已签收"),
    "issue_notice": (lambda c, s, n, f: wb.issue_notice(c, s, n, f.get("kind", ""),
                                                        f.get("note", "")), "通知已发出"),
    "answer_notice": (lambda c, s, n, f: wb.answer_notice(c, s, n, f.get("notice", ""),
                                                          f.get("note", "")), "已回复通知"),
    "assign": (lambda c, s, n, f: wb.assign(c, s, n, f.get("assignee", "")), "承办人已保存"),
}


@bp.post("/m/<number>/<action>")
def act(number: str, action: str) -> Any:
    """Run one workbench action from the message page's forms; errors show beside the field."""
    staff = _staff()
    entry = ACTIONS.get(action)
    if entry is None:
        abort(404)
    run, done = entry
    form = _staff_form()
    try:
        run(_ctx(), staff, number, form)
    except wb.NotFound:
        abort(404)
    except wb.ActionError as exc:
        href = f"#{action}-{exc.field}" if exc.field else f"#{action}"
        return _render_message(number, [{"text": exc.message, "href": href}],
                               {**form, "_action": action}, 400)
    if action == "draft_reply":
        done = REPLY_DONE.get(form.get("step", ""), done)
    flash(f"{number}：{done}")
    try:
        wb.get_message(_ctx(), staff, number)
    except wb.NotFound:
        # transferred or returned away from this department: back to the list, not to a 404
        return redirect(url_for("staff.home"), code=303)
    return redirect(url_for("staff.message", number=number), code=303)


# --- reply templates -------------------------------------------------------------------------------


@bp.route("/templates", methods=["GET", "POST"])
def templates() -> Any:
    """The department's reply templates: list, add, remove."""
    staff = _staff()
    if staff.department_id is None:
        abort(404)
    ctx = _ctx()
    errors: list[dict[str, str]] = []
    form = _staff_form()
    if request.method == "POST":
        try:
            if form.get("remove"):
                wb.remove_template(ctx, staff, int(form["remove"]) if form["remove"].isdigit()
                                   else 0)
                flash("模板已删除")
            else:
                wb.add_template(ctx, staff, form.get("title", ""), form.get("body", ""))
                flash("模板已保存")
            return redirect(url_for("staff.templates"), code=303)
        except wb.NotFound:
            abort(404)
        except wb.ActionError as exc:
            errors.append({"text": exc.message, "href": f"#{exc.field or 'title'}"})
    return render_template("staff/templates.html", errors=errors, form=form,
                           items=wb.templates_for(ctx.session, staff, staff.department_id)), \
        400 if errors else 200
