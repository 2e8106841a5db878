"""The 告知书 (decision notice) of a 依申请公开 reply: its legal basis per outcome and the remedy
text, declared once, and the notice composed from them. A notice is stored as issued
(models.ReplyNotice), so a later change of these texts never alters one already sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from formsvc.domain.outcomes import OUTCOMES

NOTICE_TITLE = "政府信息公开申请答复告知书"
# Outcome → the articles of the 条例 the decision rests on (Art. 36).
OUTCOME_BASIS: dict[str, str] = {
    "proactively_disclosed": "《中华人民共和国政府信息公开条例》第三十六条第（一）项",
    "disclosed": "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
    "partially_disclosed": "《中华人民共和国政府信息公开条例》第三十六条第（二）项、第三十七条",
    "not_disclosed": "《中华人民共和国政府信息公开条例》第三十六条第（三）项",
    "not_exist": "《中华人民共和国政府信息公开条例》第三十六条第（四）项",
    "not_responsible": "《中华人民共和国政府信息公开条例》第三十六条第（五）项",
    "duplicate": "《中华人民共和国政府信息公开条例》第三十六条第（六）项",
    "special_rules": "《中华人民共和国政府信息公开条例》第三十六条第（七）项",
    "not_a_request": "《中华人民共和国政府信息公开条例》第三十九条",
}
# Art. 51: 行政复议 within 60 days (行政复议法 Art. 20), 行政诉讼 within 6 months (行政诉讼法 Art. 46).
REMEDY_TEXT = ("申请人对本答复不服的，可以自收到本告知书之日起六十日内依法申请行政复议，"
               "或者自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。")


@dataclass(frozen=True)
class Notice:
    title: str
    paragraphs: tuple[str, ...]


def compose(*, tracking_number: str, received_on: date, subject: str, outcome: str,
            outcome_note: str, reply_text: str, file_names: list[str], issuer: str,
            issued_on: date) -> Notice:
    """The notice of a reply with ``outcome`` (a key of OUTCOMES), as the applicant reads it.

    Addressed by tracking number, not by name: the notice is kept as long as the message, and
    personal data have shorter retention periods (services/retention.py)."""
    decision = f"经审查，答复如下：{OUTCOMES[outcome]}。"
    if outcome_note:
        decision += outcome_note.rstrip("。") + "。"
    paragraphs = [
        f"申请人（受理编号 {tracking_number}）：",
        f"本机关于 {received_on.isoformat()} 收到您提出的政府信息公开申请（“{subject}”）。"
        f"依据{OUTCOME_BASIS[outcome]}，{decision}",
        *(p.strip() for p in reply_text.split("\n") if p.strip()),
    ]
    if file_names:
        paragraphs.append("所申请的政府信息见附件：" + "、".join(file_names) + "。")
    paragraphs += [REMEDY_TEXT, f"{issuer}　{issued_on.year} 年 {issued_on.month} 月 "
                                f"{issued_on.day} 日"]
    return Notice(NOTICE_TITLE, tuple(paragraphs))
