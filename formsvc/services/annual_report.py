"""The figures of the 政府信息公开工作年度报告 that the service's records hold: table 三 (依申请公开,
by applicant column), table 四 (行政复议 and 行政诉讼) and the message figures of the 网站年度报表.

Rules (docs/annual-report.md explains each cell):

- A request is a stored 依申请公开 message, except an automatic repeat (the same text from the same
  phone within the repeat window, ``duplicate_of_id``): that is one request sent twice.
- 本年新收: received (``received_on``) in the year. 上年结转: received before the year and not
  finished before it. A request is finished on the date its reply was sent (``replied_on``) or,
  for a request refused (不予受理), on the date it was closed.
- 本年度办理结果: requests finished in the year, in the row of their outcome
  (``formsvc.domain.annual_report.row_for``; 视为放弃 in ``ABANDONED_ROW``); 结转下年度: received by the end of the year and not
  finished by then. So, per column, 新收 + 结转 = 总计 + 结转下年度.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.config import county_date, county_zone
from formsvc.domain import annual_report as t
from formsvc.domain.applicants import report_column
from formsvc.domain.channels import CHANNELS
from formsvc.domain.procedure import CORRECTION_ABANDONED
from formsvc.models import ClockPause, DisclosureCase, Letter, Message, ReplyDraft
from formsvc.services import stats
from formsvc.services.errors import ServiceError
from portal import report as content_report

DISCLOSURE_KIND = "ysqgk"
CASE_NUMBER_MAX = 100  # disclosure_case.case_number
CASE_NOTE_MAX = 1000


class ReportError(ServiceError):
    """Input the report cannot take (a case of an unknown kind …); the message is Chinese."""


def _finished_on(m: Message, config: Mapping[str, Any],
                 abandoned: Mapping[int, date]) -> date | None:
    if m.replied_on is not None:
        return m.replied_on
    if m.id in abandoned:
        return abandoned[m.id]
    if m.status == "rejected" and m.closed_at is not None:
        return county_date(config, m.closed_at)
    return None


def requests_table(session: Session, config: Mapping[str, Any], year: int) -> dict[str, Any]:
    """Table 三: ``{"columns": [...], "rows": [{"code", "label", "level", "cells": {col: n},
    "total": n}]}``; heading rows carry ``None`` cells."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    columns = [c for c, _ in t.APPLICANT_COLUMNS]
    counts: dict[str, dict[str, int]] = {code: dict.fromkeys(columns, 0)
                                         for code, _, _ in t.REQUEST_ROWS}
    drafts = {d.message_id: d for d in session.scalars(
        select(ReplyDraft).join(Message, Message.id == ReplyDraft.message_id)
        .where(Message.kind == DISCLOSURE_KIND, ReplyDraft.status == "sent"))}
    # 视为放弃 (Art. 30): the 补正 pauses closed unanswered, by message → the day they closed
    abandoned: dict[int, date] = {mid: day for mid, day in session.execute(
        select(ClockPause.message_id, ClockPause.ended_on).where(
            ClockPause.kind == "correction", ClockPause.outcome == CORRECTION_ABANDONED,
            ClockPause.ended_on.is_not(None)))}
    rows = session.scalars(select(Message).where(
        Message.kind == DISCLOSURE_KIND, Message.duplicate_of_id.is_(None),
        Message.received_on <= last))
    for m in rows:
        col = report_column(m.details)
        done = _finished_on(m, config, abandoned)
        if m.received_on >= first:
            counts["new"][col] += 1
        elif done is None or done >= first:
            counts["carried_in"][col] += 1
        else:
            continue  # finished before the year
        if done is not None and first <= done <= last:
            draft = drafts.get(m.id)
            if m.replied_on is not None and draft is not None:
                row = t.row_for(draft.outcome, draft.report_row)
            elif m.id in abandoned:
                row = t.ABANDONED_ROW
            else:
                row = t.NO_OUTCOME_ROW
            counts[row][col] += 1
            counts["total"][col] += 1
        elif done is None or done > last:
            counts["carried_out"][col] += 1
    for heading in t.SUBTOTAL_ROWS:
        for col in columns:
            counts[heading][col] = sum(counts[code][col] for code, _, _ in t.REQUEST_ROWS
                                       if code.startswith(heading + "."))
    out_rows = []
    for code, label, level in t.REQUEST_ROWS:
        cells: dict[str, int | None] = dict(counts[code])
        if code == "results":
            cells = dict.fromkeys(columns, None)
        total = None if code == "results" else sum(counts[code].values())
        out_rows.append({"code": code, "label": label, "level": level, "cells": cells,
                         "total": total})
    return {"columns": [{"code": c, "label": label} for c, label in t.APPLICANT_COLUMNS],
            "rows": out_rows}


def cases_table(session: Session, year: int) -> dict[str, Any]:
    """Table 四: per case kind, the number of each result and the total."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    results = [r for r, _ in t.CASE_RESULTS]
    table = {k: dict.fromkeys([*results, t.CASE_TOTAL[0]], 0) for k, _ in t.CASE_KINDS}
    for case in session.scalars(select(DisclosureCase).where(
            DisclosureCase.received_on >= first, DisclosureCase.received_on <= last)):
        decided = case.decided_on is not None and case.decided_on <= last
        result = case.result if decided and case.result in results else "pending"
        table[case.kind][result] += 1
        table[case.kind][t.CASE_TOTAL[0]] += 1
    return {"results": [{"code": c, "label": label} for c, label in
                        (*t.CASE_RESULTS, t.CASE_TOTAL)],
            "kinds": [{"code": k, "label": label, "cells": table[k]} for k, label in t.CASE_KINDS]}


def add_case(session: Session, kind: str, received_on: date, result: str = "pending",
             decided_on: date | None = None, case_number: str = "",
             note: str = "") -> DisclosureCase:
    """Record a 行政复议 or 行政诉讼 case (committed); bad input is a ReportError."""
    if kind not in dict(t.CASE_KINDS):
        raise ReportError("invalid_kind", "案件类别应为：" + "、".join(
            f"{c}（{label}）" for c, label in t.CASE_KINDS))
    if result not in dict(t.CASE_RESULTS):
        raise ReportError("invalid_result", "审理结果应为：" + "、".join(
            f"{c}（{label}）" for c, label in t.CASE_RESULTS))
    if (result == "pending") != (decided_on is None):
        raise ReportError("invalid_decision", "已审结的案件须填写审结日期，尚未审结的不填")
    if decided_on is not None and decided_on < received_on:
        raise ReportError("invalid_decision", "审结日期不能早于收到日期")
    if len(case_number.strip()) > CASE_NUMBER_MAX or len(note.strip()) > CASE_NOTE_MAX:
        raise ReportError("too_long", f"案号不超过 {CASE_NUMBER_MAX} 个字，备注不超过 "
                                      f"{CASE_NOTE_MAX} 个字")
    case = DisclosureCase(kind=kind, received_on=received_on, result=result,
                          decided_on=decided_on, case_number=case_number.strip(),
                          note=note.strip())
    session.add(case)
    session.commit()
    return case


def website_figures(session: Session, config: Mapping[str, Any], year: int) -> dict[str, Any]:
    """The 网站年度报表 figures of 互动交流 the service counts: messages received and answered in
    the year (every kind), the average working days of the answers, letters published."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    zone = county_zone(config)
    received = session.scalar(select(func.count()).select_from(Message).where(
        Message.received_on >= first, Message.received_on <= last,
        Message.duplicate_of_id.is_(None))) or 0
    answered, days = session.execute(select(func.count(), func.sum(Message.reply_working_days))
                                     .where(Message.replied_on >= first,
                                            Message.replied_on <= last)).one()
    published = session.scalar(select(func.count()).select_from(Letter).where(
        Letter.published.is_(True), Letter.published_at >= datetime(year, 1, 1, tzinfo=zone),
        Letter.published_at < datetime(year + 1, 1, 1, tzinfo=zone))) or 0
    # by channel: the national tables have no place for it, so it is a part of this, the
    # report's own section (docs/annual-report.md); the channels add up to messages_received
    by_channel = stats.count_channels(session, first, last, duplicates=False)
    return {"messages_received": received, "messages_answered": answered or 0,
            "average_working_days": round((days or 0) / answered, 1) if answered else None,
            "letters_published": published,
            "channels": [{"code": c, "label": CHANNELS[c], "received": by_channel.get(c, 0)}
                         for c in CHANNELS]}


def figures(session: Session, config: Mapping[str, Any], year: int) -> dict[str, Any]:
    """Everything the service holds for the report of ``year`` (JSON-ready)."""
    return {"year": year, "requests": requests_table(session, config, year),
            "cases": cases_table(session, year), "website": website_figures(session, config, year)}


def report(session: Session, config: Mapping[str, Any], year: int) -> dict[str, Any]:
    """The report of ``year``: the service's figures and those counted from content/
    (``portal.report``, the build's own function)."""
    data = figures(session, config, year)
    content = content_report.content_figures(Path(config["CONTENT_DIR"]), year)
    data["proactive"] = content["proactive"]
    data["website"]["columns"] = content["columns"]
    return data


def as_csv(data: dict[str, Any]) -> str:
    """One line per cell: 表格, 行, 列, 数值 (a spreadsheet's long format)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["表格", "行", "列", "数值"])
    for row in data["proactive"]["rows"]:
        for col in data["proactive"]["columns"]:
            w.writerow(["二、主动公开政府信息情况", row["label"], col["label"],
                        row["cells"][col["code"]]])
    for row in data["requests"]["rows"]:
        if row["total"] is None:
            continue
        for col in data["requests"]["columns"]:
            w.writerow(["三、收到和处理政府信息公开申请情况", row["label"], col["label"],
                        row["cells"][col["code"]]])
        w.writerow(["三、收到和处理政府信息公开申请情况", row["label"], "总计", row["total"]])
    for kind in data["cases"]["kinds"]:
        for res in data["cases"]["results"]:
            w.writerow(["四、政府信息公开行政复议、行政诉讼情况", kind["label"], res["label"],
                        kind["cells"][res["code"]]])
    site = data["website"]
    for key, label in (("messages_received", "收到留言"), ("messages_answered", "答复留言"),
                       ("average_working_days", "平均办理用时（工作日）"),
                       ("letters_published", "公开信件")):
        w.writerow(["网站年度报表", "互动交流", label, "" if site[key] is None else site[key]])
    for ch in site.get("channels", []):  # reports saved before channels were counted have none
        w.writerow(["网站年度报表", "收到留言（按渠道）", ch["label"], ch["received"]])
    for col in site["columns"]:
        w.writerow(["网站年度报表", "本年发布信息", col["label"], col["published"]])
    return out.getvalue()
