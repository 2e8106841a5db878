"""Form fields by key: ``formsvc.domain.kinds`` lists keys per kind, this module says what each key is.

Each entry builds an unbound WTForms field from the config (for length limits). Choices that come
from data (departments, projects) are filled in per request by :func:`formsvc.forms.make_form`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField

from formsvc.domain.applicants import APPLICANT_TYPES, ORG_TYPES
from formsvc.forms import validators as v
from formsvc.services.departments import DISPATCH_OFFICE

ID_TYPES = (
    ("resident_id", "居民身份证"),
    ("passport", "护照"),
    ("hk_macao_permit", "港澳居民来往内地通行证"),
    ("taiwan_permit", "台湾居民来往大陆通行证"),
    ("foreign_pr", "外国人永久居留身份证"),
    ("other", "其他证件"),
)
MEDIA = (("paper", "纸质文本"), ("email", "电子邮件"), ("disc", "光盘"), ("other", "其他"))
DELIVERIES = (("post", "邮寄"), ("pickup", "自行领取"), ("email", "电子邮件"),
              ("online", "网上获取"))

def choice_list(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (tuples are deprecated there)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


Factory = Callable[[Mapping[str, Any]], UnboundField]


def _text(label: str, *validators: Any, hint: str = "", max_len: int | None = None,
          kind: str = "text", autocomplete: str = "") -> UnboundField:
    extra = {"hint": hint, "type": kind, "autocomplete": autocomplete, "maxlength": max_len}
    vals = list(validators) + ([v.Length(max=max_len)] if max_len else [])
    return StringField(label, validators=vals, render_kw={"gp": extra})


def _area(label: str, *validators: Any, hint: str = "", min_len: int = 0,
          max_len: int | None = None, rows: int = 8) -> UnboundField:
    extra = {"hint": hint, "type": "textarea", "maxlength": max_len, "rows": rows}
    return TextAreaField(label, validators=[*validators, v.Length(min=min_len, max=max_len)],
                         render_kw={"gp": extra})


def _radios(label: str, choices: tuple[tuple[str, str], ...], message: str,
            hint: str = "") -> UnboundField:
    return RadioField(label, choices=choice_list(choices), validate_choice=False,
                      validators=[v.Required(message), v.choice_of(message)],
                      render_kw={"gp": {"hint": hint, "type": "radios"}})


FIELDS: dict[str, Factory] = {
    "name": lambda c: _text("姓名", v.Required(), max_len=c["NAME_MAX"], autocomplete="name"),
    "phone": lambda c: _text("联系电话", v.Required(), v.phone, kind="tel", autocomplete="tel",
                             hint="手机号码或固定电话，如 13812345678、0123-6612345", max_len=20),
    "email": lambda c: _text("电子邮箱", v.email, kind="email", autocomplete="email", max_len=200,
                             hint="选填；填写后可收到受理和答复通知"),
    # one line: "street-address" is a multi-line token, valid on a <textarea> only
    "address": lambda c: _text("通信地址", max_len=300, autocomplete="address-line1",
                               hint="选择邮寄方式时必填"),
    "department": lambda c: SelectField(
        "办理单位", validate_choice=False,
        validators=[v.choice_of("请从列表中选择办理单位")],
        render_kw={"gp": {"type": "select",
                          "hint": f"不清楚由哪个单位办理时选择“不确定”，由{DISPATCH_OFFICE}分办"}}),
    "subject": lambda c: _text("标题", v.Required(), max_len=c["SUBJECT_MAX"]),
    "content": lambda c: _area("内容", v.Required(), min_len=c["CONTENT_MIN"],
                               max_len=c["CONTENT_MAX"],
                               hint=f"请写明事情经过、时间、地点和诉求，{c['CONTENT_MIN']}"
                                    f"至 {c['CONTENT_MAX']} 个字"),
    "consent_publish": lambda c: BooleanField(
        "同意在“公开信件”栏目公开本留言及答复",
        render_kw={"gp": {"type": "checkboxes",
                          "hint": "公开时隐去姓名，电话、邮箱、地址等个人信息一律不公开"}}),
    "notify_sms": lambda c: BooleanField(
        "短信通知：受理回执、答复提醒和补正通知同时发到上面的手机号码",
        validators=[v.sms_needs_mobile],
        render_kw={"gp": {"type": "checkboxes",
                          "hint": "短信只含受理编号、查询码或期限，不含留言内容"}}),
    "project": lambda c: SelectField(
        "招商项目", validate_choice=False, validators=[v.choice_of("未找到该招商项目，请从列表中选择")],
        render_kw={"gp": {"type": "select", "hint": "选填；咨询某个招商项目时选择"}}),
    # 依申请公开 (《政府信息公开条例》第二十九条)
    "applicant_type": lambda c: _radios("申请人类型", APPLICANT_TYPES, "请选择申请人类型"),
    # required for an organisation (MessageForm._validate_disclosure): the annual report counts it
    "org_type": lambda c: RadioField(
        "组织类型", choices=choice_list(ORG_TYPES), validate_choice=False,
        validators=[v.choice_of("请选择组织类型")],
        render_kw={"gp": {"type": "radios", "hint": "申请人为法人或其他组织时必选"}}),
    "org_name": lambda c: _text("法人或其他组织名称", max_len=200,
                                hint="申请人为法人或其他组织时必填"),
    "credit_code": lambda c: _text("统一社会信用代码", max_len=18,
                                   hint="18 位，申请人为法人或其他组织时必填"),
    "legal_rep": lambda c: _text("法定代表人或负责人", max_len=50,
                                 hint="申请人为法人或其他组织时必填"),
    "id_type": lambda c: SelectField(
        "身份证件类型", choices=choice_list((("", "请选择"), *ID_TYPES)), validate_choice=False,
        validators=[v.choice_of("请从列表中选择身份证件类型")],
        render_kw={"gp": {"type": "select", "hint": "申请人为公民时必填"}}),
    "id_number": lambda c: _text("证件号码", max_len=30, hint="申请人为公民时必填"),
    "doc_no": lambda c: _text("文号", max_len=100, hint="选填，如 示政办〔2024〕12号"),
    "purpose": lambda c: _text("用途", max_len=200, hint="选填"),
    "medium": lambda c: _radios("提供信息的形式", MEDIA, "请选择提供信息的形式"),
    "delivery": lambda c: _radios("获取信息的方式", DELIVERIES, "请选择获取信息的方式"),
}

# The coded choices of each field, value → label (what staff read for a stored value).
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "applicant_type": dict(APPLICANT_TYPES), "org_type": dict(ORG_TYPES), "id_type": dict(ID_TYPES), "medium": dict(MEDIA),
    "delivery": dict(DELIVERIES)}


def label_of(name: str, config: Mapping[str, Any]) -> str:
    """The label the form gives field ``name``."""
    return str(FIELDS[name](config).args[0])


# Labels that differ for 依申请公开: the legal names of the fields.
DISCLOSURE_LABELS = {
    "name": ("姓名", "申请人为法人或其他组织时填写联系人姓名"),
    "subject": ("所需政府信息的名称", ""),
    "content": ("所需政府信息的内容描述", "请尽量写明信息的名称、文号、形成时间、制作机关等，便于查找"),
    "department": ("受理机关", "依申请公开由政府信息公开工作机构受理"),
}
