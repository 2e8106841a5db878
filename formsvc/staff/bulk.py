"""Bulk 分办 from the dispatch queue: the checked messages to one department, all or none
(``services/workbench/assignment.dispatch_many``). A refusal shows the queue again with the
error and the same choices; a success goes back to the queue with one flash."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for

from formsvc.services import workbench as wb
from formsvc.staff.views import BULK_ROLES, _ctx, _staff, _staff_form, bp, queue_page


@bp.post("/queue/dispatch")
def bulk_dispatch() -> Any:
    """分办 every checked message of the queue to the chosen department in one transaction."""
    staff = _staff()
    if staff.role not in BULK_ROLES:
        abort(404)
    form: dict[str, Any] = _staff_form()
    numbers = [n for n in request.form.getlist("number") if isinstance(n, str)]
    form["number"] = [n.strip().upper() for n in numbers]
    twice = [k for k in ("department", "note") if len(request.form.getlist(k)) > 1]
    if twice:
        return queue_page([{"text": "表单字段重复：" + "、".join(twice), "href": "#bulk-department"}],
                          form, 400)
    try:
        done = wb.dispatch_many(_ctx(), staff, numbers, form.get("department", ""),
                                form.get("note", ""))
    except wb.ActionError as exc:
        href = "#bulk-numbers" if exc.field == "numbers" else f"#bulk-{exc.field or 'department'}"
        return queue_page([{"text": exc.message, "href": href}], form, 400)
    flash(f"已分办 {len(done)} 件留言至{done[0].department.name}："
          + "、".join(m.tracking_number for m in done))
    return redirect(url_for("staff.queue"), code=303)
