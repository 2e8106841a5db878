"""意见征集 and 在线访谈 in the workbench: the contributions in the staff member's scope,
publish / hide with a reason, 采纳情况, and the guests' answers to interview questions.

The service (formsvc/services/workbench/moderation.py) checks scope and role; a contribution out
of scope is a 404 like an unknown one. Each done action writes an audit line after its commit.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from formsvc.domain import participation as p
from formsvc.services.workbench import moderation
from formsvc.services.workbench.context import ActionError, NotFound
from formsvc.staff.views import _ctx, _staff, _staff_form, bp
from formsvc.web import audit_log

ACTIONS = {
    "publish": lambda ctx, staff, cid, form: moderation.publish(
        ctx, staff, cid, form.get("public_text") or None),
    "hide": lambda ctx, staff, cid, form: moderation.hide(ctx, staff, cid, form.get("hide_reason")),
    "adopt": lambda ctx, staff, cid, form: moderation.adopt(
        ctx, staff, cid, form.get("adoption"), form.get("adoption_reason")),
    "answer": lambda ctx, staff, cid, form: moderation.answer(ctx, staff, cid, form.get("answer")),
}


def _page(status: int = 200, errors: list[dict[str, str]] | None = None,
          form: dict[str, str] | None = None) -> Any:
    staff = _staff()
    if not moderation.can_read(staff):
        abort(404)
    ctx = _ctx()
    state = request.args.get("status", p.PENDING)
    slug = request.args.get("slug", "")[:120]
    items = moderation.listing(ctx.session, staff, state if state != "all" else "", slug)
    return render_template("staff/participation.html", items=items, state=state, slug=slug,
                           counts=moderation.counts(ctx.session, staff),
                           labels=p.MODERATION_LABELS, adoption_labels=p.ADOPTION_LABELS,
                           can_moderate=staff.role in moderation.MODERATOR_ROLES,
                           masked={c.id: moderation.masked_text(ctx, c) for c in items
                                   if c.status == p.PENDING},
                           errors=errors or [], form=form or {}), status


@bp.get("/participation")
def participation() -> Any:
    """The contributions in scope, pending first by default (``?status=published|hidden|all``)."""
    return _page()


@bp.post("/participation/<int:contribution_id>/<action>")
def moderate(contribution_id: int, action: str) -> Any:
    """One moderation action on one contribution."""
    staff = _staff()
    do = ACTIONS.get(action)
    if do is None:
        abort(404)
    form = _staff_form()
    try:
        row = do(_ctx(), staff, contribution_id, form)
    except NotFound:
        abort(404)
    except ActionError as exc:
        audit_log.record(f"participation_{action}", "invalid", staff=staff,
                         message=f"contribution:{contribution_id}")
        return _page(400, [{"text": exc.message,
                            "href": f"#{exc.field or 'c'}-{contribution_id}"}], form)
    audit_log.record(f"participation_{action}", "ok", staff=staff,
                     message=f"contribution:{row.id}")
    flash(f"已{p.ACTION_LABELS[action]}")
    return redirect(url_for("staff.participation", status=request.args.get("status", p.PENDING)),
                    code=303)
