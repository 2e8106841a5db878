"""代录: staff (12345 operators, dispatchers) file a message for a caller on the phone.

The form is the citizens' form of the kind (formsvc/forms), without attachments; the message
takes channel ``phone``, its first event names the staff member, and the receipt page shows the
number and query code to read out. A mobile number also gets them by SMS (``notify_sms``, as if the caller had ticked 短信通知).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, url_for

from formsvc.db import get_session
from formsvc.domain import channels, consent, kinds
from formsvc.domain.kinds import Kind
from formsvc.forms import MessageForm, make_form, to_new_message
from formsvc.models.staff import INTAKE_ROLES, Staff
from formsvc.services import departments, notify, submission, tracking
from formsvc.services import workbench as wb
from formsvc.staff.views import _ctx, _staff, bp
from formsvc.web import receipts
from formsvc.web.errors import error_response
from formsvc.web.runtime import calendar, projects

# 依申请公开 has its own written procedure (a review page the applicant confirms): not by phone
INTAKE_KINDS = tuple(k for k in kinds.KINDS if not k.confirm_step)
FAILED_MESSAGE = "系统暂时无法保存该留言，留言没有被保存，请稍后重新提交。"


def _intake_staff() -> Staff:
    staff = _staff()
    if staff.role not in INTAKE_ROLES:
        abort(404)
    return staff


def _kind(code: str) -> Kind:
    kind = kinds.get(code)
    if kind is None or kind not in INTAKE_KINDS:
        abort(404)
    return kind


def _render(kind: Kind, form: MessageForm, status: int = 200) -> Any:
    return render_template("staff/intake.html", kind=kind, form=form, kinds=INTAKE_KINDS,
                           errors=form.error_list(),
                           time_limit=kinds.time_limit(kind, current_app.config)), status


@bp.get("/intake")
def intake() -> Any:
    """代录: choose the kind of the caller's message."""
    _intake_staff()
    return render_template("staff/intake.html", kind=None, kinds=INTAKE_KINDS, errors=[])


@bp.route("/intake/<kind_code>", methods=["GET", "POST"])
def intake_form(kind_code: str) -> Any:
    """The kind's form, filled in by the staff member while the caller speaks."""
    staff = _intake_staff()
    kind = _kind(kind_code)
    form = make_form(kind, current_app.config, departments.active(get_session()), projects())
    if not form.validate_on_submit():
        return _render(kind, form, 400 if form.is_submitted() else 200)
    data = to_new_message(form, consent_source=consent.PHONE)
    data.channel, data.actor, data.actor_role = channels.PHONE, staff.actor, staff.role
    # a caller with a mobile number gets the receipt (number and code), then the reply and any
    # 补正 request, by SMS: the same path as a citizen who ticks 短信通知
    data.notify_sms = notify.wants_sms(True, data.phone)
    try:
        receipt = submission.submit(get_session(), current_app.config, data, [],
                                    calendar=calendar())
    except submission.SubmissionFailed:
        return error_response(503, "submission_failed", FAILED_MESSAGE)
    receipts.remember("intake_receipt", receipt)
    return redirect(url_for("staff.intake_receipt", number=receipt.tracking_number), code=303)


@bp.get("/intake/receipt/<number>")
def intake_receipt(number: str) -> Any:
    """The number and query code to read out to the caller (the code only just after filing)."""
    staff = _intake_staff()
    ctx = _ctx()
    try:
        message = wb.get_message(ctx, staff, number)
    except wb.NotFound:
        abort(404)
    view = tracking.public_view(message, current_app.config, calendar())
    sms = channels.MOBILE_RE.fullmatch(message.phone or "") is not None
    return render_template("staff/intake_receipt.html", view=view, m=message,
                           code=receipts.fresh_code("intake_receipt", message.tracking_number),
                           sms=sms)
