from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from formsvc.db import get_session
from formsvc.domain import kinds
from formsvc.domain.kinds import Kind
from formsvc.domain.ratings import RATINGS
from formsvc.forms import HONEYPOT, MessageForm, make_form, raw_data, to_new_message
from formsvc.forms.text import clean_text
from formsvc.models import Message
from formsvc.services import (
    codes,
    departments,
    drafts,
    followups,
    procedure,
    rating_links,
    submission,
    tracking,
    uploads,
    workbench,
)
from formsvc.services.errors import ServiceError
from formsvc.web import receipts
from formsvc.web.errors import error_response
from formsvc.web.extensions import client_address, draft_limited, submit_limited, track_limited
from formsvc.web.runtime import calendar, projects

bp = Blueprint("public", __name__, url_prefix="/hdjl")

log = logging.getLogger(__name__)

# pages that show the query code or personal data must not stay in shared caches or history
NO_STORE = {"Cache-Control": "no-store"}
HONEYPOT_MESSAGE = "提交未被受理：表单中隐藏的“网址”一项被填写，这通常是自动程序所为。如您是本人填写，请刷新页面后重新提交。"
FAILED_MESSAGE = "系统暂时无法保存您的留言，留言没有被保存，请稍后重新提交。给您带来不便，敬请谅解。"
DRAFT_FAILED_MESSAGE = "系统暂时无法保存您的申请，申请没有被提交，请稍后重新填写提交。给您带来不便，敬请谅解。"
# After the number and query code were given on the tracking page, this browser may act on that
# message (answer a 补正) for this long without the code travelling again.
TRACKED_SECONDS = 30 * 60


def _kind_or_404(code: str) -> Kind:
    kind = kinds.get(code)
    if kind is None:
        abort(404)
    return kind


def _form(kind: Kind, **kwargs: Any) -> MessageForm:
    return make_form(kind, current_app.config, departments.active(get_session()), projects(),
                     **kwargs)


def _checked_uploads(form: MessageForm) -> list[uploads.Upload] | None:
    """Read and check the attachments; on error put the message on the field and return None."""
    if not form.kind.attachments:
        return []
    files = [(f.filename or "", f.read()) for f in request.files.getlist("attachments")
             if f and (f.filename or "")]
    try:
        return uploads.check(files, max_count=current_app.config["MAX_ATTACHMENTS"],
                             max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
    except uploads.UploadError as exc:
        form.attachments.errors = [exc.message]
        return None


def _fill_from_link(form: MessageForm) -> None:
    """Links from the portal choose for the citizen: ``?department=`` (the 机构 pages) and
    ``?project=`` (招商项目). A value the form does not offer is ignored."""
    for name in ("department", "project"):
        value = request.args.get(name, "")
        if value and name in form and any(c.value == value for c in form[name].choices):
            form[name].data = value


def _checked_post(kind: Kind, form: MessageForm) -> list[uploads.Upload] | Any:
    """The checked attachments of a valid POST, or the answer to give instead: 400 for the
    hidden field filled, the form again with its errors."""
    if form.honeypot_filled():
        return error_response(400, "spam_suspected", HONEYPOT_MESSAGE)
    valid = form.validate_on_submit()
    attachment_list = _checked_uploads(form)
    if not valid or attachment_list is None:
        return _render_form(kind, form, 400)
    return attachment_list


def _render_form(kind: Kind, form: MessageForm, status: int = 200, **extra: Any) -> Any:
    return render_template("formsvc/form.html", kind=kind, form=form, errors=form.error_list(),
                           time_limit=kinds.time_limit(kind, current_app.config),
                           extension_limit=kinds.extension_limit(kind, current_app.config),
                           max_attachments=current_app.config["MAX_ATTACHMENTS"],
                           honeypot=HONEYPOT, **extra), status


def _store(kind: Kind, form: MessageForm, attachment_list: list[uploads.Upload]) -> Response | Any:
    try:
        receipt = submission.submit(
            get_session(), current_app.config, to_new_message(form), attachment_list,
            calendar=calendar(), client_ip=client_address())
    except submission.SubmissionFailed:
        return error_response(503, "submission_failed", FAILED_MESSAGE)
    # only now, after the commit, does the citizen get the number and the code
    receipts.remember("receipt", receipt)
    return redirect(url_for(".receipt", number=receipt.tracking_number), code=303)


@bp.get("/")
def index() -> Any:
    """The start page of 互动交流: the kinds of message and how long each takes."""
    return render_template("formsvc/index.html",
                           kinds=kinds.in_effect(current_app.config).values())


@bp.route("/<kind_code>/new", methods=["GET", "POST"])
@submit_limited
def new_message(kind_code: str) -> Any:
    """The form of an ordinary kind; a valid POST stores the message and shows its receipt."""
    kind = _kind_or_404(kind_code)
    if kind.confirm_step:  # served by its own two-step route
        return redirect(url_for(".new_disclosure_request"))
    form = _form(kind)
    if request.method == "GET":
        _fill_from_link(form)
        return _render_form(kind, form)
    checked = _checked_post(kind, form)
    if not isinstance(checked, list):
        return checked
    return _store(kind, form, checked)


@bp.route("/ysqgk/new", methods=["GET", "POST"])
@draft_limited
def new_disclosure_request() -> Any:
    """Step 1 of 依申请公开: fill in, check, then show the review page (nothing stored yet)."""
    kind = _kind_or_404("ysqgk")
    if request.method == "GET":
        token = request.args.get("draft", "")
        loaded = drafts.load(current_app.config["UPLOAD_DIR"], token) if token else None
        # 返回修改: refill the form from the draft (files must be chosen again)
        if loaded:
            form = _form(kind, data=loaded[0])
        else:
            form = _form(kind)
            _fill_from_link(form)
        return _render_form(kind, form, reupload=bool(loaded and loaded[1]))
    form = _form(kind)
    attachment_list = _checked_post(kind, form)
    if not isinstance(attachment_list, list):
        return attachment_list
    try:
        token = drafts.save(current_app.config["UPLOAD_DIR"], raw_data(form), attachment_list)
    except OSError:  # disk full or unwritable: say so instead of a 500; nothing was submitted
        log.exception("formsvc: disclosure draft not saved")
        return error_response(503, "draft_failed", DRAFT_FAILED_MESSAGE)
    session.setdefault("drafts", [])
    session["drafts"] = [*session["drafts"][-4:], token]
    return render_template("formsvc/review.html", kind=kind, form=form, token=token,
                           attachments=attachment_list,
                           time_limit=kinds.time_limit(kind, current_app.config))


@bp.post("/ysqgk/confirm")
@submit_limited
def confirm_disclosure_request() -> Any:
    """Step 2: 确认提交. The receipt date is today, the day both sides confirmed."""
    kind = _kind_or_404("ysqgk")
    token = request.form.get("draft", "")
    upload_dir = current_app.config["UPLOAD_DIR"]
    # a draft belongs to the browser that wrote it
    loaded = drafts.load(upload_dir, token) if token in session.get("drafts", []) else None
    if loaded is None:
        return error_response(400, "draft_expired",
                              "申请内容已过期或不存在，请重新填写申请表（填写内容保留 24 小时）")
    data, attachment_list = loaded
    form = _form(kind, formdata=MultiDict(data), meta={"csrf": False})
    if not form.validate():  # the registry may have changed since step 1
        return _render_form(kind, form, 400)
    result = _store(kind, form, attachment_list)
    if isinstance(result, Response) and result.status_code == 303:
        drafts.delete(upload_dir, token)
        session["drafts"] = [t for t in session.get("drafts", []) if t != token]
    return result


@bp.get("/receipt/<number>")
def receipt(number: str) -> Any:
    """The receipt with the query code, shown once to the browser that submitted."""
    code = receipts.fresh_code("receipt", number)
    if not code:
        return render_template("formsvc/receipt_gone.html"), 404
    try:
        message = tracking.find(get_session(), number, code)
    except tracking.NotFound:
        return render_template("formsvc/receipt_gone.html"), 404
    view = tracking.public_view(message, current_app.config, calendar())
    return render_template("formsvc/receipt.html", view=view, code=code,
                           kind=kinds.get(message.kind)), 200, NO_STORE


@bp.route("/track", methods=["GET", "POST"])
@track_limited
def track() -> Any:
    """Tracking by number and query code: the form, then the message's status page."""
    number = clean_text(request.form.get("tracking_number") or request.args.get("number") or "")
    code = clean_text(request.form.get("query_code") or "")
    if request.method == "GET":
        return render_template("formsvc/track.html", number=number, errors=[])
    errors = []
    if not number:
        errors.append({"text": "请填写受理编号", "href": "#tracking_number"})
    if not code:
        errors.append({"text": "请填写查询码", "href": "#query_code"})
    if errors:
        return render_template("formsvc/track.html", number=number, errors=errors), 400
    try:
        message = tracking.find(get_session(), number, code)
    except tracking.NotFound:
        return render_template("formsvc/track.html", number=number, errors=[
            {"text": tracking.NOT_FOUND_MESSAGE, "href": "#tracking_number"}]), 404
    _remember_tracked(message.tracking_number)
    view = tracking.public_view(message, current_app.config, calendar())
    return render_template("formsvc/status.html", view=view, code=code, rating_errors=[],
                           ratings=RATINGS, **_released(message)), 200, NO_STORE


def _released(message: Message) -> dict[str, Any]:
    """The reply's files and its 告知书, for the status page of a browser that gave the code."""
    return {"files": procedure.released_files(message),
            "can_supplement": followups.can_supplement(message),
            "can_follow_up": followups.can_follow_up(message),
            "has_notice": workbench.notice_of(get_session(), message) is not None}


def _remember_tracked(number: str) -> None:
    """This browser gave the number with its code: it may act on the message for a while."""
    now = int(time.time())
    fresh = {n: at for n, at in (session.get("tracked") or {}).items()
             if now - at < TRACKED_SECONDS and n != number}
    session["tracked"] = {**dict(list(fresh.items())[-4:]), number: now}


def _is_tracked(number: str) -> bool:
    """Whether this browser opened ``number`` with its query code within TRACKED_SECONDS."""
    at = (session.get("tracked") or {}).get(number)
    return isinstance(at, int) and time.time() - at < TRACKED_SECONDS


def _tracked_or_login(number: str) -> Any:
    """The message of ``number`` when this browser opened it with its code; else the tracking
    form again (404), with the same words as an unknown number."""
    if number and _is_tracked(number):
        try:
            return tracking.tracked(get_session(), number)
        except tracking.NotFound:
            pass
    return render_template("formsvc/track.html", number=number, errors=[
        {"text": "请重新输入受理编号和查询码查询后再操作（查询后 30 分钟内有效）",
         "href": "#tracking_number"}]), 404


@bp.route("/rate/<token>", methods=["GET", "POST"])
@track_limited
def rate_by_link(token: str) -> Any:
    """The reply mail's signed link: rate the answer without typing the query code."""
    db = get_session()
    try:
        message = rating_links.message_of(db, current_app.config, token)
    except rating_links.LinkError as exc:
        return error_response(400, exc.code, exc.message)
    errors: list[dict[str, str]] = []
    comment = ""
    if request.method == "POST":
        comment = clean_text(request.form.get("comment") or "", multiline=True)
        try:
            message = tracking.record_rating(db, message, request.form.get("rating", ""), comment)
        except tracking.RatingError as exc:
            db.rollback()
            errors.append({"text": exc.message, "href": "#rating"})
        else:
            return render_template("formsvc/rate_link.html", message=message, ratings=RATINGS,
                                   errors=[], rated=True), 200, NO_STORE
    return render_template("formsvc/rate_link.html", message=message, ratings=RATINGS,
                           errors=errors, comment=comment), 400 if errors else 200, NO_STORE


@bp.get("/track/files/<stored_name>")
@track_limited
def reply_file(stored_name: str) -> Any:
    """A file of the reply, for the browser that opened the message with its query code."""
    number = codes.normalize_number(clean_text(request.args.get("number") or ""))
    found = _tracked_or_login(number)
    if isinstance(found, tuple):
        return found
    attachment = procedure.released_file(found, stored_name)
    if attachment is None:
        abort(404)
    resp = send_from_directory(current_app.config["UPLOAD_DIR"], attachment.stored_name,
                               mimetype=attachment.mime_type, as_attachment=True,
                               download_name=attachment.original_name)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/track/notice/<number>")
@track_limited
def notice(number: str) -> Any:
    """The 告知书 of the reply, printable, as it was issued."""
    found = _tracked_or_login(codes.normalize_number(clean_text(number)))
    if isinstance(found, tuple):
        return found
    issued = workbench.notice_of(get_session(), found)
    if issued is None:
        abort(404)
    return render_template("formsvc/notice.html", issued=issued,
                           number=found.tracking_number), 200, NO_STORE


def _status_page(number: str, status: int = 200, **extra: Any) -> Any:
    """The status page again after a citizen's action (no query code on it: the rating form
    is only offered on the page the code opened)."""
    message = tracking.tracked(get_session(), number)
    view = tracking.public_view(message, current_app.config, calendar())
    return render_template("formsvc/status.html", view=view, code="", ratings=RATINGS,
                           rating_errors=[], **_released(message), **extra), status, NO_STORE


def _posted_files(name: str = "attachments") -> list[uploads.Upload]:
    """The files of a citizen's form, checked as a submission's (and by the virus scanner)."""
    files = [(f.filename or "", f.read()) for f in request.files.getlist(name)
             if f and (f.filename or "")]
    checked = uploads.check(files, max_count=current_app.config["MAX_ATTACHMENTS"],
                            max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
    uploads.scan(current_app.config.get("VIRUS_SCAN_COMMAND"), checked)
    return checked


def _tracked_number() -> str:
    return codes.normalize_number(clean_text(request.form.get("tracking_number") or ""))


def _add_from_tracking(field: str, add: Callable[[Message, str], object], done: str) -> Any:
    """A citizen's text (and files) added from the status page by ``add``: the status page
    again, with ``done`` or with the refusal beside ``field``; nothing kept when refused."""
    number = _tracked_number()
    found = _tracked_or_login(number)
    if isinstance(found, tuple):
        return found
    text = clean_text(request.form.get(field) or "", multiline=True)
    db = get_session()
    try:
        add(found, text)
    except ServiceError as exc:  # uploads, 补正, 追问 and 补充材料 refusals
        db.rollback()
        return _status_page(number, 400, **{field: text, field.replace("_text", "_errors"): [
            {"text": exc.message, "href": f"#{field}"}]})
    return _status_page(number, done=done)


@bp.post("/track/correction")
@track_limited
def correction() -> Any:
    """The applicant's 补正 (text and files, checked as a new submission's) from the status page."""
    return _add_from_tracking(
        "correction_text", lambda m, text: procedure.answer_correction(
            get_session(), current_app.config, calendar(), m, text, _posted_files()),
        "补正已提交，答复期限自今日起重新计算。")


@bp.post("/track/supplement")
@track_limited
def supplement() -> Any:
    """补充材料 (text and files) while the message waits for 分办."""
    return _add_from_tracking(
        "supplement_text", lambda m, text: followups.supplement(
            get_session(), current_app.config, m, text, _posted_files()),
        "补充材料已提交，将与留言一并转交办理单位。")


@bp.post("/track/follow-up")
@track_limited
def follow_up() -> Any:
    """The citizen's one 追问 on the reply."""
    return _add_from_tracking(
        "follow_up_text", lambda m, text: followups.follow_up(
            get_session(), current_app.config, m, text),
        "追问已提交，已转交办理单位。")


@bp.post("/track/rate")
@track_limited
def rate() -> Any:
    """The citizen rates the reply from the status page; this closes the message."""
    number = clean_text(request.form.get("tracking_number") or "")
    code = clean_text(request.form.get("query_code") or "")
    rating = request.form.get("rating", "")
    comment = clean_text(request.form.get("comment") or "", multiline=True)
    db = get_session()
    try:
        message = tracking.rate(db, number, code, rating, comment)
    except tracking.NotFound:
        return render_template("formsvc/track.html", number=number, errors=[
            {"text": tracking.NOT_FOUND_MESSAGE, "href": "#tracking_number"}]), 404
    except tracking.RatingError as exc:
        message = tracking.find(db, number, code)
        view = tracking.public_view(message, current_app.config, calendar())
        return render_template("formsvc/status.html", view=view, code=code, ratings=RATINGS,
                               rating_errors=[{"text": exc.message, "href": "#rating"}],
                               comment=comment), 400
    view = tracking.public_view(message, current_app.config, calendar())
    return render_template("formsvc/status.html", view=view, code=code, ratings=RATINGS,
                           rating_errors=[], rated=True), 200, NO_STORE
