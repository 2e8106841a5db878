"""互动交流's list page (/hd/): drafts open now, closed drafts (with their 意见反馈 once published),
and the interviews by year and by department.

Which drafts are open is decided by ``portal.participation`` at build time; the form in formsvc
asks the same rule at the moment of each comment, so a page built yesterday can list a draft
as open for a few hours more, but never accept a comment after its close.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from portal import participation

PAGE = "hd/index.html"


def _phase(a: Any, now: datetime | None) -> str:
    c = participation.consultation_from(a.slug, {"opens": a.opens, "closes": a.closes})
    return c.phase(now) if c else participation.CLOSED


def context(gen: Any, by_type: dict[str, list[Any]], now: datetime | None = None) -> dict[str, Any]:
    """What the template needs, from the newest-first articles by type."""
    drafts = by_type.get("consultation", [])
    interviews = sorted(by_type.get("interview", []), key=lambda a: str(a.starts), reverse=True)

    def draft_item(a: Any) -> dict[str, Any]:
        phase = _phase(a, now)
        # the list's date is the close date (a date in the summary text could break at 360 px)
        dept = a.dept.name if a.dept else str(a.department)
        return {**gen.entry(a), "tag": participation.PHASE_LABELS[phase], "date": str(a.closes),
                "summary": f"{dept}起草，右侧为征求意见截止日期"
                           + ("；已发布意见反馈" if getattr(a, "feedback", None) else "")}

    def interview_item(a: Any) -> dict[str, Any]:
        guests = "、".join(str(g.get("name", "")) for g in a.guests or [] if isinstance(g, dict))
        return {**gen.entry(a), "date": str(a.starts)[:10], "summary": f"嘉宾：{guests}"}

    open_drafts = [draft_item(a) for a in drafts if _phase(a, now) != participation.CLOSED]
    closed_drafts = [draft_item(a) for a in drafts if _phase(a, now) == participation.CLOSED]
    by_year: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_dept: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in interviews:
        item = interview_item(a)
        by_year[str(a.starts)[:4]].append(item)
        by_dept[a.dept.name if a.dept else str(a.department)].append(item)
    return {"open_drafts": open_drafts, "closed_drafts": closed_drafts,
            "interviews_by_year": sorted(by_year.items(), reverse=True),
            "interviews_by_dept": sorted(by_dept.items())}


def write(gen: Any, writer: Any, by_type: dict[str, list[Any]]) -> None:
    """Write /hd/index.html."""
    gen.write(writer, PAGE, "hd_index", section="hdjl", **context(gen, by_type))
