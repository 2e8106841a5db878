"""Message kinds: the one table of what citizens can send, its fields and its time limits.

Forms, the API (``GET /api/v1/kinds``), tracking numbers and due dates all read this table.
Time limits are defaults (*local* rules differ); ``TIME_LIMITS`` / ``EXTENSION_LIMITS`` in the
config override them per kind. What citizens are told, by the service and by the static pages
(the build reads ``in_effect(formsvc.config.load())``), goes through ``time_limit`` and
``extension_limit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

# Fields of an ordinary message, in form order (keys of formsvc.forms.fields.FIELDS).
COMMON_FIELDS = ("name", "phone", "email", "department", "subject", "content", "consent_publish",
                 "notify_sms")
# 举报: never published, so no 同意公开; the address helps the department find the reporter
REPORT_FIELDS = ("name", "phone", "email", "address", "department", "subject", "content",
                 "notify_sms")


@dataclass(frozen=True)
class Kind:
    code: str  # in URLs (/hdjl/<code>/new) and the API
    label: str
    prefix: str  # tracking number prefix
    time_limit: int  # working days from the receipt date
    fields: tuple[str, ...]
    description: str
    extension_limit: int = 0  # working days one approved extension may add (0: none)
    confirm_step: bool = False  # a review page before submission (receipt = both sides confirm)
    attachments: bool = True  # the form offers file uploads
    # False: never in the public letter box (no 同意公开 field, publication refused) and the
    # reporter's details are shown only to the handling department and supervisors (举报)
    publishable: bool = True


KINDS: tuple[Kind, ...] = (
    Kind("zx", "咨询", "ZX", 5, COMMON_FIELDS,
         "咨询政策规定、办事流程等问题。"),
    Kind("jy", "建议", "JY", 10, COMMON_FIELDS,
         "对政府工作提出意见和建议。"),
    Kind("ts", "投诉", "TS", 10, COMMON_FIELDS,
         "反映行政机关及其工作人员的违法违规行为或服务问题。"),
    # 求助 and 举报 (the 12345 types, REFERENCE.md): no national time limit exists; 求助 asks for
    # help that should not wait (5 working days, like 咨询), 举报 needs an investigation (15, the
    # upper end of the local rules for complaints). TIME_LIMITS overrides both.
    Kind("qz", "求助", "QZ", 5, COMMON_FIELDS,
         "遇到生活困难或紧急问题，请求政府部门帮助解决。"),
    Kind("jb", "举报", "JB", 15, REPORT_FIELDS,
         "举报违法违规行为。举报内容不公开，举报人信息只有承办单位和督办人员可以查看。",
         publishable=False),
    Kind("tz", "投资咨询", "TZ", 5, ("project", *COMMON_FIELDS),
         "咨询投资环境、优惠政策和招商项目，可以指定一个招商项目。"),
    Kind("ysqgk", "依申请公开", "GK", 20,
         ("applicant_type", "name", "org_type", "org_name", "credit_code", "legal_rep",
          "id_type", "id_number", "phone", "email", "address", "department",
          "subject", "doc_no", "content", "purpose", "medium", "delivery", "notify_sms"),
         "依据《中华人民共和国政府信息公开条例》申请获取政府信息。",
         extension_limit=20, confirm_step=True),
)
KINDS_BY_CODE: dict[str, Kind] = {k.code: k for k in KINDS}


def get(code: str) -> Kind | None:
    """The kind of ``code``, or None."""
    return KINDS_BY_CODE.get(code)


def label(code: str) -> str:
    """What citizens call the kind of ``code`` (the code itself for a kind this version lacks)."""
    kind = KINDS_BY_CODE.get(code)
    return kind.label if kind else code


def time_limit(kind: Kind, config: Mapping[str, Any]) -> int:
    """Working days for ``kind``, after the config override."""
    return int((config.get("TIME_LIMITS") or {}).get(kind.code, kind.time_limit))


def extension_limit(kind: Kind, config: Mapping[str, Any]) -> int:
    """Working days one approved extension may add for ``kind``, after the config override."""
    return int((config.get("EXTENSION_LIMITS") or {}).get(kind.code, kind.extension_limit))


def in_effect(config: Mapping[str, Any]) -> dict[str, Kind]:
    """Every kind by code, carrying the time limits ``config`` sets."""
    return {k.code: replace(k, time_limit=time_limit(k, config),
                            extension_limit=extension_limit(k, config)) for k in KINDS}
