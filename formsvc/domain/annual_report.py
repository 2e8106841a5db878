"""The tables of the 政府信息公开工作年度报告 (《政府信息公开条例》 Art. 49–50) in the layout of the
national template (国办公开办函〔2021〕30号, which revised the 2019 one): which rows and
columns each table has, and which row a request's outcome goes to.

The figures come from the records: ``formsvc.services.annual_report`` counts the requests and the
review and litigation cases, ``portal.report.proactive`` counts the documents in ``content/``.
Docs: docs/annual-report.md explains each cell.
"""

from __future__ import annotations

from formsvc.domain.applicants import REPORT_COLUMNS
from formsvc.domain.outcomes import OUTCOMES

# 二、主动公开政府信息情况: the document types the template asks about, by genre (体裁分类).
PROACTIVE_ROWS: tuple[tuple[str, str], ...] = (("规章", "规章"), ("规范性文件", "规范性文件"))
PROACTIVE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数"))

# 三、收到和处理政府信息公开申请情况: (code, label, indent level); level-0 rows with sub-rows
# carry no figures of their own in the template (a heading), the others do.
REQUEST_ROWS: tuple[tuple[str, str, int], ...] = (
    ("new", "一、本年新收政府信息公开申请数量", 0),
    ("carried_in", "二、上年结转政府信息公开申请数量", 0),
    ("results", "三、本年度办理结果", 0),
    ("disclosed", "（一）予以公开", 1),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1),
    ("withheld", "（三）不予公开", 1),
    ("withheld.secret", "1.属于国家秘密", 2),
    ("withheld.law", "2.其他法律行政法规禁止公开", 2),
    ("withheld.security", "3.危及“三安全一稳定”", 2),
    ("withheld.third_party", "4.保护第三方合法权益", 2),
    ("withheld.internal", "5.属于三类内部事务信息", 2),
    ("withheld.process", "6.属于四类过程性信息", 2),
    ("withheld.enforcement", "7.属于行政执法案卷", 2),
    ("withheld.query", "8.属于行政查询事项", 2),
    ("unable", "（四）无法提供", 1),
    ("unable.not_held", "1.本机关不掌握相关政府信息", 2),
    ("unable.needs_making", "2.没有现成信息需要另行制作", 2),
    ("unable.unclear", "3.补正后申请内容仍不明确", 2),
    ("not_handled", "（五）不予处理", 1),
    ("not_handled.petition", "1.信访举报投诉类申请", 2),
    ("not_handled.duplicate", "2.重复申请", 2),
    ("not_handled.publication", "3.要求提供公开出版物", 2),
    ("not_handled.mass", "4.无正当理由大量反复申请", 2),
    ("not_handled.confirm", "5.要求行政机关确认或重新出具已获取信息", 2),
    ("other", "（六）其他处理", 1),
    ("other.no_correction",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 2),
    ("other.no_fee",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2),
    ("other.other", "3.其他", 2),
    ("total", "（七）总计", 1),
    ("carried_out", "四、结转下年度继续办理", 0),
)
REQUEST_ROW_LABELS = {code: label for code, label, _ in REQUEST_ROWS}
# rows that sum their sub-rows ("results" is a heading without figures)
SUBTOTAL_ROWS = ("withheld", "unable", "not_handled", "other")
HEADING_ROWS = frozenset({"results", *SUBTOTAL_ROWS})
# rows an outcome can land in (the total and the headings are sums or empty)
RESULT_ROWS = tuple(c for c, _, level in REQUEST_ROWS
                    if level >= 1 and c not in HEADING_ROWS and c != "total")

# Art. 36 outcome (formsvc.domain.outcomes) → the report row, or → the rows staff choose from
# when the outcome spans several (the first is the default where a default is allowed).
OUTCOME_ROWS: dict[str, tuple[str, ...]] = {
    "proactively_disclosed": ("disclosed",),
    "disclosed": ("disclosed",),
    "partially_disclosed": ("partial",),
    "not_disclosed": ("withheld.secret", "withheld.law", "withheld.security",
                      "withheld.third_party", "withheld.internal", "withheld.process",
                      "withheld.enforcement", "withheld.query"),
    "not_exist": ("unable.not_held", "unable.needs_making", "unable.unclear"),
    "not_responsible": ("unable.not_held",),
    "duplicate": ("not_handled.duplicate",),
    "special_rules": ("other.other",),
    "not_a_request": ("not_handled.petition", "not_handled.publication", "not_handled.mass",
                      "not_handled.confirm"),
}
# outcomes whose report row staff must choose (no row is a safe default)
REASON_REQUIRED = frozenset({"not_disclosed"})
# a request finished without an Art. 36 outcome (不予受理) counts here
NO_OUTCOME_ROW = "other.other"
# a request closed as 视为放弃 because its 补正 went unanswered (Art. 30; the ClockPause of kind
# "correction" with outcome "abandoned") counts here, finished on the day it was closed
ABANDONED_ROW = "other.no_correction"

# 四、行政复议、行政诉讼: the results the template counts, per case kind.
CASE_KINDS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"), ("litigation_direct", "行政诉讼（未经复议直接起诉）"),
    ("litigation_after_review", "行政诉讼（复议后起诉）"))
CASE_RESULTS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
    ("pending", "尚未审结"))
CASE_TOTAL = ("total", "总计")

APPLICANT_COLUMNS = REPORT_COLUMNS


def row_for(outcome: str, reason: str = "") -> str:
    """The report row of a request answered with ``outcome`` and the row staff chose
    (``reason``, a code of ``REQUEST_ROWS``); the outcome's default when it allows one."""
    rows = OUTCOME_ROWS.get(outcome)
    if not rows:
        return NO_OUTCOME_ROW
    if reason in rows:
        return reason
    return rows[0]


def reason_choices(outcome: str) -> tuple[tuple[str, str], ...]:
    """(row, label) pairs staff choose from for ``outcome`` (empty when the row is fixed)."""
    rows = OUTCOME_ROWS.get(outcome, ())
    return tuple((r, REQUEST_ROW_LABELS[r]) for r in rows) if len(rows) > 1 else ()


# What the workbench offers: every row an outcome with several rows can go to, named after it.
REPORT_ROW_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (row, f"{OUTCOMES[outcome]}：{label}")
    for outcome in OUTCOME_ROWS for row, label in reason_choices(outcome))
