"""Results of a 依申请公开 request (《政府信息公开条例》第三十六条), kept apart from its workflow
status: a request can be 已答复 with the outcome 不予公开."""

from __future__ import annotations

# Outcome code → what the applicant reads.
OUTCOMES: dict[str, str] = {
    "proactively_disclosed": "已主动公开",
    "disclosed": "予以公开",
    "partially_disclosed": "部分公开",
    "not_disclosed": "不予公开",
    "not_exist": "信息不存在",
    "not_responsible": "非本机关负责",
    "duplicate": "重复申请",
    "special_rules": "按特别规定办理",
    "not_a_request": "不作为申请处理",
}
# The rules ask these outcomes to say where, why, or which office (Art. 36 (1), (3), (5); Art. 37).
OUTCOMES_NEEDING_NOTE: dict[str, str] = {
    "proactively_disclosed": "请说明获取该信息的方式和途径",
    "partially_disclosed": "请说明不予公开部分的理由",
    "not_disclosed": "请说明不予公开的理由",
    "not_responsible": "请写明负责公开该信息的机关名称及联系方式",
}
