"""The monthly report as a printable PDF (fpdf2), in a CJK font from the system.

fpdf2 embeds a subset of the font, so the PDF reads the same anywhere. The font is
``REPORT_FONT`` (default: Debian's ``fonts-noto-cjk``, NotoSansCJK-Regular.ttc) and, for a font
collection, ``REPORT_FONT_INDEX`` picks the face (2 = Noto Sans CJK SC). Without the file the
report cannot be printed: :class:`FontMissing` says so in Chinese (docs/supervision.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from formsvc.services.errors import ServiceError
from formsvc.services.monthly_report import MonthlyReport
from formsvc.services.stats import percent

FAMILY = "cjk"


class FontMissing(ServiceError):
    """The CJK font the PDF needs is not installed."""


def _pdf(config: Mapping[str, Any]) -> FPDF:
    path = Path(str(config["REPORT_FONT"]))
    if not path.is_file():
        raise FontMissing("font_missing", f"未找到生成 PDF 所需的中文字体：{path}（请安装 "
                                          "fonts-noto-cjk 或设置 REPORT_FONT）")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    index = int(config["REPORT_FONT_INDEX"])
    pdf.add_font(FAMILY, "", str(path),
                 **({"collection_font_number": index} if path.suffix.lower() == ".ttc" else {}))
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(15, 15, 15)
    return pdf


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[Any]],
           widths: Sequence[float]) -> None:
    pdf.set_font(FAMILY, size=9)
    # one face only (regular): headings stand out by their shade, not by a bold style
    with pdf.table(col_widths=tuple(widths), text_align="CENTER", line_height=6,
                   first_row_as_headings=True,
                   headings_style=FontFace(emphasis="", fill_color=(222, 234, 245))) as table:
        table.row([str(h) for h in header])
        for r in rows:
            table.row(["" if v is None else str(v) for v in r])
    pdf.ln(3)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(report: MonthlyReport, config: Mapping[str, Any], site_name: str) -> bytes:
    """The report as PDF bytes: the public part, and the cases when ``report`` is internal."""
    pdf = _pdf(config)
    pdf.set_title(f"{site_name}留言办理情况通报（{report.period.label}）")
    pdf.add_page()
    pdf.set_font(FAMILY, size=18)
    pdf.multi_cell(0, 10, f"{site_name}\n留言办理情况通报（{report.period.label}）",
                   align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    pdf.cell(0, 6, f"{'公开版' if report.public else '内部版'}　生成时间："
                   f"{report.generated_at.strftime('%Y-%m-%d %H:%M')}（UTC）",
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    t = report.totals.total
    _heading(pdf, "一、总体情况")
    pdf.set_font(FAMILY, size=11)
    pdf.multi_cell(0, 7, (
        f"本月受理留言 {t.received} 件，已答复 {t.replied} 件，答复率 {percent(t.reply_rate)}，"
        f"按期答复率 {percent(t.on_time_rate)}，满意率 {percent(t.satisfaction_rate)}，"
        f"响应率 {percent(t.response_rate)}；当前超期 {t.overdue_now} 件。"
        f"发出督办、纠错通知 {report.notices_issued} 件，已回复 {report.notices_answered} 件。"),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _heading(pdf, "二、近期趋势")
    _table(pdf, ("月份", "受理", "答复率", "按期答复率", "满意率", "响应率"),
           [(p.period.label, p.received, percent(p.reply_rate), percent(p.on_time_rate),
             percent(p.satisfaction_rate), percent(p.response_rate)) for p in report.trend],
           (40, 22, 28, 32, 28, 30))
    _bars(pdf, [(p.period.label[5:] or p.period.label, p.received) for p in report.trend])
    _heading(pdf, "三、各单位绩效评估")
    s = report.scores
    pdf.set_font(FAMILY, size=9)
    pdf.multi_cell(0, 5, f"评分规则版本 {s.rule_version}；本月受理不足 {s.min_count} 件的单位列出数据、"
                         "不参与排名。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, ("名次", "单位", "受理", "答复率", "按期率", "满意率", "响应率", "得分", "等次"),
           [(r.rank or "不排名", r.name, r.figures["received"], percent(r.figures["reply_rate"]),
             percent(r.figures["on_time_rate"]), percent(r.figures["satisfaction_rate"]),
             percent(r.figures["response_rate"]), f"{r.score:.1f}", r.grade) for r in s.rows],
           (16, 44, 14, 18, 18, 18, 18, 16, 18))
    if not report.public:
        _heading(pdf, f"四、逾期件（{report.late_count} 件）")
        _table(pdf, ("受理编号", "单位", "受理日期", "期限", "情况"),
               [(c.number, c.department, c.received_on, c.due_date, c.note)
                for c in report.late], (44, 46, 30, 30, 30))
        _heading(pdf, f"五、不满意件（{report.unsatisfied_count} 件）")
        _table(pdf, ("受理编号", "单位", "受理日期", "评价意见"),
               [(c.number, c.department, c.received_on, c.note or "—")
                for c in report.unsatisfied], (44, 46, 30, 60))
    return bytes(pdf.output())


def _bars(pdf: FPDF, items: Sequence[tuple[str, int]]) -> None:
    """Columns of the monthly receipts (the HTML report draws the same as SVG)."""
    top = max([n for _, n in items] + [1])
    x0, y0, height, slot = pdf.l_margin + 5, pdf.get_y() + 40, 32.0, 25.0
    if y0 + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
        y0 = pdf.get_y() + 40
    pdf.set_font(FAMILY, size=8)
    pdf.set_fill_color(29, 112, 184)
    for i, (label, n) in enumerate(items):
        h = height * n / top
        x = x0 + i * slot
        pdf.rect(x, y0 - h, 14, h, style="F")
        pdf.text(x, y0 - h - 1.5, str(n))
        pdf.text(x, y0 + 4, label)
    pdf.set_y(y0 + 8)
