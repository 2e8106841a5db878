"""A content tree with drafts and interviews whose dates are relative to now (China time):
an open draft with a hearing, a closed one with its 意见反馈, a live and a past interview."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from portal.participation import china_now

ROOT = Path(__file__).resolve().parents[2]


def write_tree(d: Path) -> Path:
    """Write the tree under ``d`` (departments from the real registry) and return ``d``."""
    now = china_now()
    today = now.date()
    if not (d / "departments.yml").exists():
        shutil.copy(ROOT / "content" / "departments.yml", d / "departments.yml")
    (d / "hd" / "yjzj").mkdir(parents=True, exist_ok=True)
    (d / "hd" / "ft").mkdir(parents=True, exist_ok=True)
    (d / "hd" / "yjzj" / "open-draft.md").write_text(f"""---
title: 示范县养老服务办法（征求意见稿）
department: mzj
opens: {today - timedelta(days=5)}
closes: {today + timedelta(days=10)}
date: {today - timedelta(days=5)}
explanation: 起草说明。
articles:
  - number: 1
    title: 目的
    text: 为规范养老服务，制定本办法。
  - number: 2
    text: 本办法自发布之日起施行。
hearing:
  date: "{today + timedelta(days=8)} 09:30"
  place: 县民政局会议室
  registration_deadline: {today + timedelta(days=3)}
---
""", encoding="utf-8")
    (d / "hd" / "yjzj" / "closed-draft.md").write_text(f"""---
title: 示范县入学办法（征求意见稿）
department: jyj
opens: {today - timedelta(days=40)}
closes: {today - timedelta(days=10)}
date: {today - timedelta(days=40)}
explanation: 起草说明。
articles:
  - number: 1
    text: 划片招生。
feedback: 共收到意见 3 条，采纳 1 条。
---
""", encoding="utf-8")
    fmt = "%Y-%m-%d %H:%M"
    (d / "hd" / "ft" / "live.md").write_text(f"""---
title: 养老服务补贴在线访谈
department: mzj
starts: "{(now - timedelta(minutes=30)).strftime(fmt)}"
ends: "{(now + timedelta(hours=1)).strftime(fmt)}"
date: {today - timedelta(days=3)}
guests:
  - name: 陈立新
    role: 县民政局局长
---
""", encoding="utf-8")
    (d / "hd" / "ft" / "past.md").write_text(f"""---
title: 招生政策在线访谈
department: jyj
starts: "{(now - timedelta(days=10)).strftime(fmt)}"
ends: "{(now - timedelta(days=10) + timedelta(hours=1)).strftime(fmt)}"
date: {today - timedelta(days=12)}
guests:
  - name: 王建华
    role: 县教育局副局长
---
""", encoding="utf-8")
    return d
