"""``scripts/check`` rules of the disclosure law that need the working-day calendar or the
annual report (issue 20):

- the holiday schedule due dates need (``formsvc.domain.workdays.schedule_warning``);
- last year's 政府信息公开工作年度报告 (``pages/xxgk/nb/<year>.md``): a warning from 1 February
  (31 January is the date for county departments, Art. 49) and an error from 1 April (31 March,
  the county government's own date, has passed: issue 20). The build runs the same rule on the
  same day, so it fails too: a county late with its report is told so by every build until the
  report is published. A site without the 年度报告 column (no report page under
  ``pages/xxgk/nb/``) publishes its reports elsewhere and is not checked;
- a report page must not type by hand a table the records produce (tables 二 for 规章 and 行政规范性
  文件, 三 and 四): it writes the markers of ``portal.report.PARTS`` ({{统计表：依申请公开}} …) and
  the build puts the generated tables there, from ``files/xxgk/nb/<year>.json``
  (``flask annual-report``, docs/annual-report.md);
- the 政府信息公开指南 (``pages/xxgk/zn.md``, Art. 12) must exist, and the time limits its text
  states must be the ones applied: Art. 26's 20 working days (``PROACTIVE_DAYS``, the rule below)
  and the 依申请公开 answer and extension limits formsvc applies (``kinds.in_effect``);
- Art. 26: a disclosure document published more than 20 working days after it was made
  (成文日期 → 发布日期), counted with formsvc's calendar, the one of the service's due dates.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from formsvc import config as formsvc_config
from formsvc.domain import annual_report as tables
from formsvc.domain import kinds
from formsvc.domain.workdays import Calendar, HolidayFileError, schedule_warning
from portal import freshness, schema, vocab
from portal.check import ERROR, WARNING, Problem, as_date, doc_type_of
from portal.report import PARTS, REPORT_PAGE, data_file

if TYPE_CHECKING:
    from portal.check import Site
    from portal.frontmatter import Document

REPORT_DIR = "pages/xxgk/nb"
GUIDE_PAGE = "pages/xxgk/zn.md"
# the tables a report must show (表三, 表四); 表二 and the website figures are optional
REQUIRED_PARTS = ("requests", "cases")
# Art. 26: within 20 working days of being made
PROACTIVE_DAYS = 20
REPORT_WARN_AFTER = (1, 31)  # county departments (Art. 49): a warning after this day
REPORT_LATE_AFTER = (3, 31)  # county governments: an error after this day


# Row labels of the tables the records produce: a Markdown table row starting with one is typed
_GENERATED = frozenset(
    [label for _, label, _ in tables.REQUEST_ROWS] + [label for _, label in tables.CASE_KINDS]
    + list(vocab.DOC_CLASSES))
_TABLE_ROW = re.compile(r"^\s*\|\s*([^|]*?)\s*\|")


def calendar() -> Calendar:
    """The calendar formsvc counts due dates with (its settings' holiday file)."""
    return Calendar.from_file(formsvc_config.holidays_file(formsvc_config.load()))


def check(docs: list[tuple[str, Document]], site: Site, today: date) -> list[Problem]:
    """Every rule of this module over the parsed documents of ``site``."""
    where = site.display("")
    out: list[Problem] = []
    try:
        cal = calendar()
    except HolidayFileError as exc:
        cal = None
        out.append(Problem(where, 0, f"节假日文件无法读取：{exc}", WARNING))
    if cal is not None:
        warning = schedule_warning(cal, today)
        if warning:
            out.append(Problem(where, 0, warning, WARNING))
        out.extend(_late_publication(docs, site, cal))
    out.extend(_annual_reports(docs, site, today))
    if not site.exists(GUIDE_PAGE):
        out.append(Problem(site.display(GUIDE_PAGE), 0,
                           "缺少政府信息公开指南（《条例》第十二条），请建立该页面", WARNING))
    out.extend(_guide_limits(docs, site))
    return out


# What the guide says, and the limit it must say: (pattern with the number, limit, what it is)
def _stated_limits() -> list[tuple[re.Pattern[str], int, str]]:
    disclosure = kinds.in_effect(formsvc_config.load())["ysqgk"]
    return [
        (re.compile(r"形成或者变更之日起\**(\d+)\**个工作日"), PROACTIVE_DAYS,
         "主动公开期限（《条例》第二十六条）"),
        (re.compile(r"收到申请之日起\**(\d+)\**个工作日\**内予以答复"), disclosure.time_limit,
         "依申请公开答复期限"),
        (re.compile(r"延长的期限最长不超过\**(\d+)\**个工作日"), disclosure.extension_limit,
         "依申请公开延长期限"),
    ]


def _guide_limits(docs: list[tuple[str, Document]], site: Site) -> list[Problem]:
    out: list[Problem] = []
    for rel, doc in docs:
        if rel != GUIDE_PAGE:
            continue
        for pattern, limit, what in _stated_limits():
            for n, line in enumerate(doc.body.split("\n")):
                for m in pattern.finditer(line):
                    if int(m.group(1)) != limit:
                        out.append(Problem(site.display(rel), doc.body_line + n, (
                            f"指南写的{what}是 {m.group(1)} 个工作日，系统按 {limit} 个工作日办理；"
                            f"请核对后统一"), WARNING))
    return out


def _annual_reports(docs: list[tuple[str, Document]], site: Site,
                    today: date) -> list[Problem]:
    out: list[Problem] = []
    years = set()
    for rel, doc in docs:
        m = REPORT_PAGE.fullmatch(rel)
        if not m:
            continue
        year = int(m.group(1))
        years.add(year)
        typed = False
        for n, line in enumerate(doc.body.split("\n")):
            cell = _TABLE_ROW.match(line)
            label = cell.group(1).strip("*　 ") if cell else ""
            if label in _GENERATED:
                markers = "、".join(marker for _, marker in PARTS.values())
                out.append(Problem(site.display(rel), doc.body_line + n,
                                   f"“{label}”所在的表格由系统按记录统计生成，不得手工填写：请删除该表格，"
                                   f"在原位置写对应的标记（{markers}）"))
                typed = True
                break
        used = [part for part, (_, marker) in PARTS.items() if marker in doc.body]
        if used and not site.exists(data_file(year)):
            out.append(Problem(site.display(rel), doc.body_line, (
                f"缺少统计数据 {data_file(year)}：请运行 flask --app formsvc annual-report "
                f"--year {year} --output content/{data_file(year)}")))
        missing = [PARTS[p][1] for p in REQUIRED_PARTS if p not in used]
        if missing and not typed:
            out.append(Problem(site.display(rel), doc.body_line,
                               f"年度报告缺少统计表：请在相应位置写 {'、'.join(missing)}", WARNING))
    last = today.year - 1
    if years and last not in years and (today.month, today.day) > REPORT_WARN_AFTER:
        late = (today.month, today.day) > REPORT_LATE_AFTER
        deadline = "3月31日" if late else "1月31日"
        # the demo county's content is dated once and for all (content/DEMO.txt): a year on, its
        # missing report must not stop `make run` from building the demo
        frozen = late and bool(freshness.demo_note(site.content_dir))
        out.append(Problem(site.display(f"{REPORT_DIR}/{last}.md"), 0,
                           f"{last}年政府信息公开工作年度报告尚未发布（《条例》第四十九条，"
                           f"应于{deadline}前公布{'，已逾期' if late else ''}）"
                           + ("；演示内容的日期是写死的，只作警告" if frozen else ""),
                           ERROR if late and not frozen else WARNING))
    return out


def _late_publication(docs: list[tuple[str, Document]], site: Site,
                      cal: Calendar) -> list[Problem]:
    out: list[Problem] = []
    for rel, doc in docs:
        if doc_type_of(rel) is not schema.DISCLOSURE:
            continue
        written, published = as_date(doc.meta.get("written")), as_date(doc.meta.get("date"))
        if written is None or published is None or published <= written:
            continue
        due = cal.add_working_days(written, PROACTIVE_DAYS).due
        if published > due:
            used = cal.working_days_in(written, published)
            out.append(Problem(site.display(rel), doc.line_of("date"), (
                f"发布日期 {published} 距成文日期 {written} 已 {used} 个工作日，超过《条例》"
                f"第二十六条规定的 {PROACTIVE_DAYS} 个工作日（应于 {due} 前公开）"), WARNING))
    return out
