"""Forms for the five kinds, built from the kinds table; the API validates through the same forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from wtforms import BooleanField, MultipleFileField, StringField
from wtforms.fields.choices import SelectChoice, SelectFieldBase

from formsvc.domain import consent
from formsvc.domain.kinds import Kind
from formsvc.forms import validators as v
from formsvc.forms.base import StripWhitespaceForm
from formsvc.forms.fields import DISCLOSURE_LABELS, FIELDS, choice_list
from formsvc.models import Department
from formsvc.services import departments
from formsvc.services.projects import Project
from formsvc.services.submission import NewMessage

UNSURE = ("", departments.UNSURE)
HONEYPOT = "website"
# 依申请公开: identity fields of each applicant type (Art. 29)
ORGANIZATION_FIELDS = ("org_type", "org_name", "credit_code", "legal_rep")
CITIZEN_FIELDS = ("id_type", "id_number")


class MessageForm(StripWhitespaceForm):
    """Fields are added per kind by :func:`form_class`; this holds what every kind shares."""

    kind: Kind
    # Hidden from people (CSS and aria-hidden) but not from naive bots; filled means automated.
    website = StringField("网址")
    attachments = MultipleFileField("附件")

    def honeypot_filled(self) -> bool:
        """Whether the hidden field was filled (an automated submission)."""
        return bool((self.website.data or "").strip())

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        """The fields' rules, then the 依申请公开 rules that depend on the applicant type."""
        ok = super().validate(extra_validators)
        if self.kind.code == "ysqgk":
            ok = self._validate_disclosure() and ok
        return ok

    def _require(self, name: str, message: str) -> bool:
        f = self[name]
        if not (f.data or "").strip():
            if message not in f.errors:
                f.errors = [*f.errors, message] if isinstance(f.errors, list) else [message]
            return False
        return True

    def _validate_disclosure(self) -> bool:
        # Art. 29: who applies decides which identity fields are needed
        ok = self._require("department", "请选择受理机关")
        if self.applicant_type.data == "organization":
            ok &= self._require("org_type", "请选择组织类型")
            ok &= self._require("org_name", "请填写法人或其他组织名称")
            if self._require("credit_code", "请填写统一社会信用代码"):
                if not v.is_credit_code(self.credit_code.data):
                    self.credit_code.errors = [*self.credit_code.errors, v.CREDIT_MESSAGE]
                    ok = False
            else:
                ok = False
            ok &= self._require("legal_rep", "请填写法定代表人或负责人")
        elif self.applicant_type.data == "citizen":
            ok &= self._require("id_type", "请选择身份证件类型")
            ok &= self._require("id_number", "请填写证件号码")
        if (self.id_type.data == "resident_id" and self.id_number.data
                and not v.is_resident_id(self.id_number.data)):
            self.id_number.errors = [*self.id_number.errors, v.ID_MESSAGE]
            ok = False
        if self.delivery.data == "post":
            ok &= self._require("address", "选择邮寄时请填写通信地址")
        if "email" in (self.delivery.data, self.medium.data) and not self.email.errors:
            ok &= self._require("email", "选择电子邮件时请填写电子邮箱")
        return bool(ok)


_CLASSES: dict[tuple[str, tuple[tuple[str, Any], ...]], type[MessageForm]] = {}


def form_class(kind: Kind, config: Mapping[str, Any]) -> type[MessageForm]:
    """The form class of ``kind`` (cached per kind and length settings)."""
    key = (kind.code, _limits(config))
    if key not in _CLASSES:
        attrs: dict[str, Any] = {"kind": kind}
        for name in kind.fields:
            unbound = FIELDS[name](config)
            if kind.code == "ysqgk" and name in DISCLOSURE_LABELS:
                label, hint = DISCLOSURE_LABELS[name]
                unbound.args = (label, *unbound.args[1:])
                gp = dict(unbound.kwargs.get("render_kw", {}).get("gp", {}))
                gp["hint"] = hint
                unbound.kwargs["render_kw"] = {"gp": gp}
            attrs[name] = unbound
        _CLASSES[key] = type(f"{kind.code.capitalize()}Form", (MessageForm,), attrs)
    return _CLASSES[key]


# What a JSON value of each field must be: the form's field class says it, so a new field of a
# kind is typed in the API without a second list. "text" accepts a string or a number (phone
# numbers arrive as numbers from some clients); "boolean" only true/false; "choice" a string.
JSON_TYPES = ("boolean", "choice", "text")


def json_types(config: Mapping[str, Any]) -> dict[str, str]:
    """Field name → its JSON type (one of :data:`JSON_TYPES`), for the fields of every kind
    (a field of another kind is checked too, though the form then ignores it)."""
    return dict(_json_types(_limits(config)))


# per length settings, like the form classes: every API submission reads it
@lru_cache(maxsize=4)
def _json_types(limits: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, str], ...]:
    config = dict(limits)
    out = []
    for name, factory in FIELDS.items():
        field_class = factory(config).field_class
        out.append((name, "boolean" if issubclass(field_class, BooleanField) else
                    "choice" if issubclass(field_class, SelectFieldBase) else "text"))
    return tuple(out)


def _limits(config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The settings the fields are built from (their length limits)."""
    return tuple((k, config[k]) for k in ("NAME_MAX", "SUBJECT_MAX", "CONTENT_MIN",
                                          "CONTENT_MAX"))


def make_form(kind: Kind, config: Mapping[str, Any], departments: Sequence[Department],
              projects: Mapping[str, Project], **kwargs: Any) -> MessageForm:
    """A bound form with its data-driven choices filled in; kwargs go to FlaskForm."""
    form = form_class(kind, config)(**kwargs)
    if "department" in form:
        disclosure = kind.code == "ysqgk"
        choices, first = _department_choices(tuple(departments), disclosure)
        form.department.choices = list(choices)
        if disclosure and not form.department.data and first:
            form.department.data = first
    if "project" in form:
        form.project.choices = list(_project_choices(tuple(projects.values())))
    return form


# Every form of every request lists the same departments (the per-process registry hands out the
# same detached rows until it reloads): the choices are built once per list instead of twenty
# SelectChoice objects per request, 11 % of the instructions of an API submission
# (docs/performance.md). Rows hash by identity, so a reloaded registry, whose rows are new
# objects, gets new choices.
@lru_cache(maxsize=16)
def _department_choices(departments: tuple[Department, ...],
                        disclosure: bool) -> tuple[tuple[SelectChoice, ...], str]:
    """(choices, code of the first office); 依申请公开 lists only the disclosure offices."""
    if disclosure:
        offices = [d for d in departments if d.accepts_disclosure_requests]
        return tuple(choice_list((d.code, d.name) for d in offices)), (
            offices[0].code if offices else "")
    return tuple(choice_list([UNSURE, *((d.code, d.name) for d in departments)])), ""


@lru_cache(maxsize=16)
def _project_choices(projects: tuple[Project, ...]) -> tuple[SelectChoice, ...]:
    return tuple(choice_list([("", "不指定项目"), *((p.slug, p.title) for p in projects)]))


def to_new_message(form: MessageForm, consent_source: str = consent.WEB) -> NewMessage:
    """The validated form as service input; kind-specific fields go to ``details``.
    ``consent_source`` says which channel the consent came through (the API passes its own)."""
    data = {f.name: f.data for f in form if f.name not in ("csrf_token", HONEYPOT, "attachments")}
    common = {k: data.pop(k, "") or "" for k in ("name", "phone", "email", "address", "subject",
                                                 "content")}
    common["phone"] = v.normalize_phone(common["phone"])
    # only the identity fields of the chosen applicant type: the others were not validated
    # (a credit code of a citizen's request is never checked), so they are not kept either
    other_type = ORGANIZATION_FIELDS if data.get("applicant_type") == "citizen" else \
        CITIZEN_FIELDS if data.get("applicant_type") == "organization" else ()
    details = {k: val for k, val in data.items()
               if k not in ("department", "consent_publish", "notify_sms", "project", *other_type)
               and val not in (None, "")}
    if details.get("id_number"):
        details["id_number"] = details["id_number"].upper()
    if details.get("credit_code"):
        details["credit_code"] = details["credit_code"].upper()
    return NewMessage(kind=form.kind, department_code=data.get("department") or "",
                      consent_publish=bool(data.get("consent_publish")),
                      notify_sms=bool(data.get("notify_sms")),
                      consent_source=consent_source,
                      project_slug=data.get("project") or "", details=details, **common)


def raw_data(form: MessageForm) -> dict[str, str]:
    """The citizen's input as strings (for drafts and for re-filling a form)."""
    out: dict[str, str] = {}
    for f in form:
        if f.name in ("csrf_token", "attachments"):
            continue
        if f.type == "BooleanField":
            out[f.name] = "y" if f.data else ""
        else:
            out[f.name] = "" if f.data is None else str(f.data)
    return out
