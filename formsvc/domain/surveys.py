"""网上调查 as formsvc reads them: the editor's YAML through the checker's own parser.

``portal.surveys`` is the one parser and validator (``scripts/check`` and the build use it);
this module only says where formsvc finds the files and which day it is in the county
(``TIMEZONE``): a survey takes answers from ``opens`` 00:00 to the end of ``closes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from formsvc.config import county_date
from portal import departments as registry
from portal import surveys as parser
from portal.surveys import Question, Survey

STATE_LABELS = {"upcoming": "未开始", "open": "进行中", "closed": "已结束"}
# what a citizen is told, on the page and in the API alike
FAILED_MESSAGE = "系统暂时无法保存您的答卷，答卷没有被保存，请稍后重新提交。给您带来不便，敬请谅解。"
ADDRESS_LIMIT_MESSAGE = ("您所在的网络地址今天提交本调查的答卷已达上限。同一单位或小区共用网络时可能出现这种情况，"
                         "请明天再试，或换用手机网络提交。")
CLOSED_MESSAGE = "本次调查已经结束，不再接收答卷。"
UPCOMING_MESSAGE = "本次调查尚未开始，开始后才能提交答卷。"

__all__ = ["STATE_LABELS", "Question", "Survey", "folder", "load", "today"]


def folder(content_dir: str | Path) -> Path:
    """Where the survey files are."""
    return Path(content_dir) / parser.SURVEYS_DIR


def load(content_dir: str | Path) -> dict[str, Survey]:
    """Every survey without errors, by slug; the department codes checked against the registry."""
    try:
        codes: list[str] | None = [d.code for d in registry.load(Path(content_dir))]
    except Exception:  # a broken registry is the checker's to report; keep the surveys
        codes = None
    return parser.load(Path(content_dir), codes)


def today(config: Mapping[str, Any]) -> date:
    """The county's date today: a survey opens and closes at the county's midnight."""
    return county_date(config, datetime.now(UTC))
