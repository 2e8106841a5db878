"""One 12345 work order as a message: its JSON checked field by field, then validated by the
same form as a web or API message of its kind.

The format is ``formsvc/api/work_orders.schema.json``; an order that fails here is reported
``invalid`` with its field errors and nothing of it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from formsvc.domain import channels, consent, kinds
from formsvc.forms import make_form, to_new_message
from formsvc.forms.text import clean_text
from formsvc.models import Department
from formsvc.services.submission import NewMessage

# work-order field → the form field it fills (the others are the order's own)
FORM_FIELDS = {"caller_name": "name", "caller_phone": "phone", "subject": "subject",
               "content": "content"}
FIELDS = ("external_id", "received_at", "kind", "department", "address", *FORM_FIELDS)
# characters of message.address (the web form asks for an address only for 依申请公开)
ADDRESS_MAX = 300
REQUIRED = ("external_id", "received_at", "caller_name", "caller_phone", "kind", "subject",
            "content")
EXTERNAL_ID_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{channels.EXTERNAL_ID_MAX - 1}}}$")
# keys of Message.details a work order adds, with what staff read (the workbench's labels)
DETAIL_LABELS = {"work_order_received_at": "12345 受理时间",
                 "work_order_department": "12345 建议承办单位"}


def order_kinds() -> list[kinds.Kind]:
    """The kinds a work order may have: not 依申请公开 (the applicant must confirm it online)
    and not 投资咨询 (it names a 招商 project of the portal)."""
    return [k for k in kinds.KINDS if not k.confirm_step and "project" not in k.fields]


@dataclass
class Parsed:
    """An order that passed: what to store, and its number."""

    external_id: str
    data: NewMessage


def parse(order: Any, config: Mapping[str, Any],
          departments: Sequence[Department]) -> Parsed | dict[str, list[str]]:
    """The order as a new message of channel 12345, or its field errors (field → messages)."""
    if not isinstance(order, dict):
        return {"": ["工单应为 JSON 对象"]}
    errors: dict[str, list[str]] = {}
    for name in order:
        if name not in FIELDS:
            errors[name] = ["未知字段"]
    for name in FIELDS:
        value = order.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = ["应为字符串"]
        elif name in REQUIRED and not (value or "").strip():
            errors[name] = ["必填"]
    if errors:
        return errors
    external_id = order["external_id"].strip()
    if not EXTERNAL_ID_RE.fullmatch(external_id):
        errors["external_id"] = [f"应为 1 至 {channels.EXTERNAL_ID_MAX} 位字母、数字、点、"
                                 "短横线或下划线，以字母或数字开头"]
    received_at = _moment(order["received_at"])
    if received_at is None:
        errors["received_at"] = ["应为带时区的 ISO 8601 时间，如 2026-12-06T09:15:00+08:00"]
    kind = next((k for k in order_kinds() if k.code == order["kind"].strip()), None)
    if kind is None:
        errors["kind"] = ["留言类型应为 " + "、".join(
            f"{k.code}（{k.label}）" for k in order_kinds())]
    address = clean_text(order.get("address") or "")
    if len(address) > ADDRESS_MAX:
        errors["address"] = [f"不能超过 {ADDRESS_MAX} 个字"]
    if errors or kind is None or received_at is None:
        return errors
    suggested = clean_text(order.get("department") or "")
    department = _department(departments, suggested)
    formdata = MultiDict({form_name: order[name] for name, form_name in FORM_FIELDS.items()
                          if order.get(name)})
    formdata["department"] = department.code if department else ""
    form = make_form(kind, config, departments, {}, formdata=formdata, meta={"csrf": False})
    if not form.validate():
        back = {form_name: name for name, form_name in FORM_FIELDS.items()}
        return {back.get(name, name): messages for name, messages in form.field_errors().items()}
    # 12345 took the call, not the caller's consent to publication: never published unless
    # staff ask the caller (consent source API, the value a JSON client sent: false)
    data = to_new_message(form, consent.API)
    data.channel, data.external_id = channels.HOTLINE, external_id
    data.address = address
    data.details["work_order_received_at"] = received_at.isoformat()
    data.received_at = received_at  # checked against our clock when stored (clock_start)
    if suggested and department is None:
        data.details["work_order_department"] = suggested
    return Parsed(external_id, data)


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _department(departments: Sequence[Department], suggested: str) -> Department | None:
    """The active department 12345 named, by code, full name or short name."""
    if not suggested:
        return None
    return next((d for d in departments if suggested in (d.code, d.name, d.short_name)), None)
