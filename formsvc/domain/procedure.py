"""The time rules of a 依申请公开 request beyond its time limit (《政府信息公开条例》第三十条、
第三十二条): when 补正 may be asked, how long a third party may take, and what the applicant reads
while the clock is stopped. Pure table and rules; services/procedure.py applies them."""

from __future__ import annotations

# The kind these rules apply to (formsvc/domain/kinds.py).
DISCLOSURE_KIND = "ysqgk"

# Art. 30: 补正 is asked once, within 7 working days of the receipt date.
CORRECTION_WINDOW_DAYS = 7
# Art. 30: the applicant's period is reasonable; staff choose it, within these bounds.
CORRECTION_DAYS_MAX = 60
# Art. 32: the third party answers within 15 working days; that time is not counted.
THIRD_PARTY_MAX_DAYS = 15

# ClockPause.outcome of a 补正 left unanswered: the request is 视为放弃 (Art. 30) and the annual
# report counts it in （六）1 (domain/annual_report.py ABANDONED_ROW)
CORRECTION_ABANDONED = "abandoned"

# Pause kinds → what the applicant reads on the tracking page (never who the third party is).
PAUSE_LABELS: dict[str, str] = {
    "correction": "等待申请人补正",
    "third_party": "征求第三方意见",
}
PAUSE_EXPLANATIONS: dict[str, str] = {
    "correction": "本机关已告知您补正申请。补正期间暂停计算答复期限，自收到您的补正之日起重新计算。"
                  "请于 {answer_due} 前在本页面提交补正内容；逾期未补正的，视为放弃申请，本机关不再处理该申请"
                  "（《政府信息公开条例》第三十条）。",
    "third_party": "您申请的信息可能涉及第三方合法权益，本机关正依法书面征求第三方意见。"
                   "征求意见所需时间（最长 {max_days} 个工作日）不计算在答复期限内，"
                   "征求结束后答复期限相应顺延（《政府信息公开条例》第三十二条）。",
}
# The timeline notes of the pause events (public: they never carry the staff's own text).
CONSULTATION_STARTED_NOTE = "依法征求第三方意见，征求意见期间暂停计算答复期限"
CORRECTION_ABANDONED_NOTE = ("申请人在补正期限内未补正，依据《政府信息公开条例》第三十条视为放弃申请，"
                             "本机关不再处理该政府信息公开申请")
THIRD_PARTY_LAPSED_NOTE = (f"第三方在 {THIRD_PARTY_MAX_DAYS} 个工作日内未提出意见，由本机关依法决定是否公开"
                           "（《政府信息公开条例》第三十二条）")
