"""The administrator's screens: staff accounts, the API keys of trusted systems and the mail the
outbox gave up (发送失败的邮件), so an office runs without the command line. Admin role only
(anyone else gets a 404, as for every screen a role does not have). The views parse the form and
call the same services as the commands (``services/staff_admin.py`` over ``services/auth.py``;
``services/api_keys.py``; ``services/outbox.py``); each change is an ``admin_event`` row and an
audit-log line.

A new password or key is shown once, in the answer to the POST that made it (no redirect: it is
never kept in the session, a URL or a flash); the page is ``no-store`` like every workbench page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from formsvc.db import get_session
from formsvc.domain.channels import CHANNELS, KEY_CHANNELS, SCOPES
from formsvc.models.staff import ROLE_LABELS, Staff
from formsvc.services import admin_events, api_keys, departments, notify, outbox, staff_admin
from formsvc.services.auth import AuthError
from formsvc.staff.views import _staff, _staff_form, bp
from formsvc.web.audit_log import record

# the field each refusal points to (error summary links)
_STAFF_FIELDS = {"invalid_username": "username", "username_taken": "username",
                 "invalid_role": "role", "unknown_department": "department",
                 "department_required": "department", "too_long": "display_name"}
_KEY_FIELDS = {"invalid_name": "name", "invalid_scope": "scope", "invalid_channel": "channel",
               "invalid_rate_limit": "rate_limit", "invalid_owner": "owner"}
STAFF_ACTIONS = ("disable", "enable", "reset_password", "change_role")
KEY_ACTIONS = ("revoke", "rotate")


def _repeated(*multiple: str) -> list[dict[str, str]]:
    """An error for a field sent more than once (one value each, except ``multiple``): a form
    of ours never does, so the request is not guessed at."""
    twice = [k for k in request.form if k not in multiple and len(request.form.getlist(k)) > 1]
    return [{"text": "表单字段重复：" + "、".join(twice), "href": f"#{twice[0]}"}] if twice else []


def _admin() -> Staff:
    staff = _staff()
    if staff.role != staff_admin.ADMIN:
        abort(404)
    return staff


def _department_items() -> list[tuple[str, str]]:
    return [("", "不属于机构（全县）"), *((d.code, d.name)
                                         for d in departments.active(get_session()))]


def _staff_page(errors: list[dict[str, str]] | None = None, form: dict[str, str] | None = None,
                shown: dict[str, str] | None = None, status: int = 200) -> Any:
    session = get_session()
    accounts = staff_admin.listed(session)
    return render_template(
        "staff/admin_staff.html", accounts=accounts,
        names={a.actor: a.username for a in accounts},
        admins=staff_admin.admin_count(session), errors=errors or [], form=form or {},
        shown=shown, role_items=list(ROLE_LABELS.items()),
        department_items=_department_items(), history=admin_events.recent(session),
        ACTION_LABELS=admin_events.ACTION_LABELS), status


@bp.route("/admin/staff", methods=["GET", "POST"])
def staff_accounts() -> Any:
    """Every account, the form for a new one (its password shown once) and the recent changes."""
    admin = _admin()
    if request.method == "GET":
        return _staff_page()
    form = _staff_form()
    if errors := _repeated():
        return _staff_page(errors, form, status=400)
    try:
        created, password = staff_admin.create(
            get_session(), admin, username=form.get("username", ""), role=form.get("role", ""),
            department_code=form.get("department", ""),
            display_name=form.get("display_name", ""), email=form.get("email", ""))
    except AuthError as exc:
        record("staff_create", "invalid", staff=admin)
        return _staff_page([{"text": exc.message,
                             "href": f"#{_STAFF_FIELDS.get(exc.code, 'username')}"}], form,
                           status=400)
    return _staff_page(shown={"username": created.username, "password": password,
                              "what": "已创建账户"})


@bp.post("/admin/staff/<int:staff_id>/<action>")
def staff_account_action(staff_id: int, action: str) -> Any:
    """Disable, enable, reset the password of, or change the role and department of one account."""
    admin = _admin()
    if action not in STAFF_ACTIONS:
        abort(404)
    session = get_session()
    form = _staff_form()
    if errors := _repeated():
        return _staff_page(errors, status=400)
    try:
        target = staff_admin.get(session, staff_id)
        if action == "reset_password":
            password = staff_admin.reset_password(session, admin, target)
            return _staff_page(shown={"username": target.username, "password": password,
                                      "what": "已重设密码"})
        if action == "change_role":
            staff_admin.change_role(session, admin, target, form.get("role", ""),
                                    form.get("department", ""))
            flash(f"{target.username}：角色和机构已更改")
        else:
            staff_admin.set_active(session, admin, target, action == "enable")
            flash(f"{target.username}：" + ("已启用" if action == "enable" else "已停用，"
                                           "该账户的登录随即失效"))
    except AuthError as exc:
        if exc.code == "unknown_staff":
            abort(404)
        record(f"staff_{action}", "invalid", staff=admin)
        return _staff_page([{"text": exc.message, "href": f"#account-{staff_id}"}], status=400)
    return redirect(url_for("staff.staff_accounts"), code=303)


def _keys_page(errors: list[dict[str, str]] | None = None, form: dict[str, Any] | None = None,
               shown: dict[str, str] | None = None, status: int = 200) -> Any:
    session = get_session()
    return render_template(
        "staff/admin_api_keys.html", keys=api_keys.listed(session), errors=errors or [],
        form=form or {}, shown=shown, SCOPES=SCOPES, CHANNELS=CHANNELS,
        channel_items=[(c, CHANNELS[c]) for c in KEY_CHANNELS]), status


@bp.route("/admin/api-keys", methods=["GET", "POST"])
def api_key_list() -> Any:
    """Every API key (never a secret: id, name, scopes …) and the form for a new one (shown once)."""
    admin = _admin()
    if request.method == "GET":
        return _keys_page()
    form: dict[str, Any] = _staff_form()
    form["scope"] = request.form.getlist("scope")
    if errors := _repeated("scope"):
        return _keys_page(errors, form, status=400)
    try:
        row, key = api_keys.create(get_session(), name=form.get("name", ""),
                                   owner=form.get("owner", ""), scopes=form["scope"],
                                   channel=form.get("channel", ""),
                                   rate_limit=form.get("rate_limit", "").strip(), by=admin)
    except api_keys.ApiKeyError as exc:
        record("api_key_create", "invalid", staff=admin)
        return _keys_page([{"text": exc.message, "href": f"#{_KEY_FIELDS.get(exc.code, 'name')}"}],
                          form, status=400)
    return _keys_page(shown={"key_id": row.key_id, "name": row.name, "key": key,
                             "what": "已创建密钥"})


@bp.post("/admin/api-keys/<key_id>/<action>")
def api_key_action(key_id: str, action: str) -> Any:
    """Revoke a key, or rotate it (the new key shown once, the old one revoked at once)."""
    admin = _admin()
    if action not in KEY_ACTIONS:
        abort(404)
    session = get_session()
    try:
        if action == "rotate":
            row, key = api_keys.rotate(session, key_id, by=admin)
            return _keys_page(shown={"key_id": row.key_id, "name": row.name, "key": key,
                                     "what": f"已吊销密钥 {key_id}，新密钥已生成"})
        row = api_keys.revoke(session, key_id, by=admin)
    except api_keys.ApiKeyError:
        abort(404)  # unknown or already revoked: nothing to act on
    flash(f"已吊销密钥 {row.key_id}（{row.name}），使用它的请求随即被拒绝")
    return redirect(url_for("staff.api_key_list"), code=303)


@bp.get("/admin/failed-mail")
def failed_mail() -> Any:
    """The mail the outbox gave up (recipients masked), each with the error of its last attempt."""
    _admin()
    return render_template("staff/admin_failed_mail.html",
                           notices=outbox.failed(get_session(), notify.EMAIL))


@bp.post("/admin/failed-mail/<int:outbox_id>/retry")
def failed_mail_retry(outbox_id: int) -> Any:
    """Queue one failed mail again; the next send-mail run sends it."""
    admin = _admin()
    try:
        row = outbox.retry(get_session(), outbox_id, by=admin)
    except outbox.RetryRefused:
        abort(404)  # unknown, not mail, or sent or queued again meanwhile: nothing to act on
    flash(f"邮件 #{row.id} 已重新加入发送队列，下一次发送时寄出")
    return redirect(url_for("staff.failed_mail"), code=303)
