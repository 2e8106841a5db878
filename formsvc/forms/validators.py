"""Validators with Chinese messages: phone numbers, e-mail, 居民身份证 and 统一社会信用代码 checksums."""

from __future__ import annotations

import re
from typing import Any

from wtforms import Field, Form
from wtforms.validators import StopValidation, ValidationError

from formsvc.domain.channels import MOBILE_RE

LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
# deliberately simple: the mail server is the real check; this catches typos like missing "@"
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")

PHONE_MESSAGE = "请输入正确的手机号码（11 位）或固定电话（区号-号码，如 0123-6612345）"
EMAIL_MESSAGE = "请输入正确的电子邮箱地址，如 name@example.com"
ID_MESSAGE = "居民身份证号码不正确，请核对 18 位号码（最后一位可能是 X）"
CREDIT_MESSAGE = "统一社会信用代码不正确，请核对 18 位代码"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_phone(value: str) -> str:
    """A phone number without spaces and separators the citizen typed."""
    return re.sub(r"[\s()（）]", "", value or "").replace("—", "-").replace("－", "-")


def is_phone(value: str) -> bool:
    """A mobile number or a landline with area code."""
    v = normalize_phone(value)
    return bool(MOBILE_RE.fullmatch(v) or LANDLINE_RE.fullmatch(v))


SMS_MOBILE_MESSAGE = "短信通知只能发到手机号码：请填写 11 位手机号码，或不勾选短信通知"


def sms_needs_mobile(form: Form, field: Field) -> None:
    """短信通知 ticked: the phone field must hold a mobile number."""
    if field.data and not MOBILE_RE.fullmatch(normalize_phone(form["phone"].data or "")):
        raise ValidationError(SMS_MOBILE_MESSAGE)


def is_resident_id(value: str) -> bool:
    """18-digit 居民身份证 number with a valid GB 11643 check character and birth date."""
    v = (value or "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    y, m, d = int(v[6:10]), int(v[10:12]), int(v[12:14])
    if not (1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return False
    total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == v[17]


def is_credit_code(value: str) -> bool:
    """18-character 统一社会信用代码 with a valid GB 32100 check character."""
    v = (value or "").upper()
    if len(v) != 18 or any(c not in _CREDIT_CHARS for c in v):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(v[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == v[17]


class Required:
    """DataRequired with the message "请填写<label>" (or a given one); stops the chain."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Form, field: Field) -> None:
        data = field.data
        if data is None or (isinstance(data, str) and not data.strip()) or data == []:
            field.errors[:] = []
            raise StopValidation(self.message or f"请填写{field.label.text}")


class Length:
    def __init__(self, min: int = 0, max: int | None = None) -> None:
        self.min, self.max = min, max

    def __call__(self, form: Form, field: Field) -> None:
        n = len(field.data or "")
        if not n:
            return
        if n < self.min:
            raise ValidationError(f"{field.label.text}至少 {self.min} 个字，目前 {n} 个字")
        if self.max is not None and n > self.max:
            raise ValidationError(f"{field.label.text}不能超过 {self.max} 个字，目前 {n} 个字")


def phone(form: Form, field: Field) -> None:
    """WTForms validator: the field holds a phone number."""
    if field.data and not is_phone(field.data):
        raise ValidationError(PHONE_MESSAGE)


def email(form: Form, field: Field) -> None:
    """WTForms validator: the field, when filled, holds an e-mail address."""
    if field.data and not EMAIL_RE.fullmatch(field.data):
        raise ValidationError(EMAIL_MESSAGE)


def choice_of(message: str) -> Any:
    """Replace WTForms' English "Not a valid choice" with a Chinese message."""

    def check(form: Form, field: Field) -> None:
        values = [str(c.value) for c in field.choices or []]
        if field.data not in (None, "") and str(field.data) not in values:
            raise StopValidation(message)

    return check
