"""网上调查 definitions: the one parser and validator of ``content/surveys/<slug>.yml``.

An editor commits a survey as a YAML file; ``scripts/check`` and the build report its mistakes
(``portal.check.check_surveys``) and formsvc builds the form and stores the answers from the
same :class:`Survey` (``formsvc.domain.surveys``), so the checker, the build and the service
cannot disagree about what a survey is.

A file::

    title: 城区停车设施满意度调查
    department: zfcxjsj          # a code of content/departments.yml
    intro: |
      为改进城区停车设施……
    opens: 2026-12-01            # first day answers are taken (China time)
    closes: 2026-12-31           # last day answers are taken
    anonymous: true              # false: name and phone asked, never published
    questions:
      - id: frequency            # lower-case letters, digits, '-'; unique; never change it
        type: single             # single | multiple | scale | text
        text: 您多久在城区停车一次？
        required: true
        options: [每天, 每周几次, 很少]
      - id: problems
        type: multiple
        text: 您遇到过哪些问题？
        options: [车位少, 收费贵, 标识不清]
        max_choices: 2           # at most; default: all
      - id: satisfaction
        type: scale
        text: 您对停车设施总体满意吗？
        scale: 5                 # points 1..scale (2 to 10)
        labels: [很不满意, 很满意]  # what the lowest and the highest point mean
      - id: advice
        type: text
        text: 您的建议
        max_length: 500

An answer names an option by its number (1 = the first option), so once answers come in an
editor may only append options, never reorder or delete them (docs/editing.md says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from portal import slugs, yaml_errors
from portal.frontmatter import _Loader

SURVEYS_DIR = "surveys"
# a survey's slug is a document slug of at most 63 characters: it names the survey in the answers'
# tables too (a String(64) column, formsvc/models/survey.py)
SLUG_MAX = 63
SLUG_RE = slugs.pattern(SLUG_MAX)
QUESTION_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
QUESTION_TYPES = {"single": "单选", "multiple": "多选", "scale": "量表", "text": "填空"}
MAX_QUESTIONS = 50
MAX_OPTIONS = 30
MAX_SCALE = 10
MAX_TEXT_LENGTH = 2000
DEFAULT_TEXT_LENGTH = 500
TOP_KEYS = {"title", "department", "intro", "opens", "closes", "anonymous", "questions"}
QUESTION_KEYS = {"id", "type", "text", "help", "required", "options", "max_choices",
                 "min_choices", "scale", "labels", "max_length"}


@dataclass(frozen=True)
class Question:
    """One question. ``number`` is its position (1-based), ``choices`` what can be picked."""

    number: int
    id: str
    type: str
    text: str
    required: bool = False
    help: str = ""
    options: tuple[str, ...] = ()
    min_choices: int = 0
    max_choices: int = 0
    scale: int = 0
    labels: tuple[str, str] = ("", "")
    max_length: int = 0

    @property
    def type_label(self) -> str:
        return QUESTION_TYPES[self.type]

    @property
    def counted(self) -> bool:
        """Whether answers are counted per option (everything except free text)."""
        return self.type != "text"

    @property
    def choices(self) -> tuple[tuple[int, str], ...]:
        """(value, label) of each option; a scale's points are their own labels."""
        if self.type == "scale":
            return tuple((i, str(i)) for i in range(1, self.scale + 1))
        return tuple(enumerate(self.options, start=1))


@dataclass(frozen=True)
class Survey:
    """A survey as the editor committed it."""

    slug: str
    title: str
    department: str
    intro: str
    opens: date
    closes: date
    anonymous: bool
    questions: tuple[Question, ...]

    def state(self, today: date) -> str:
        """``upcoming``, ``open`` or ``closed`` on ``today`` (China time)."""
        if today < self.opens:
            return "upcoming"
        return "open" if today <= self.closes else "closed"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass
class Parsed:
    """What reading one file gave: the survey (None when it has errors) and the problems."""

    survey: Survey | None
    problems: list[tuple[int, str]] = field(default_factory=list)


class _Lines:
    """Line numbers of keys in the composed YAML, for messages at the right line."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node

    def of(self, *path: str | int) -> int:
        node = self.node
        line = 1 if node is None else node.start_mark.line + 1
        for key in path:
            found = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                found = (node.value[key], node.value[key])
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        return line


def parse_text(text: str, slug: str, departments: Iterable[str] | None = None) -> Parsed:
    """Read and check one survey. ``departments``: the registry's codes (None: not checked)."""
    out = Parsed(None)
    if not SLUG_RE.fullmatch(slug):
        out.problems.append((1, f"调查的文件名“{slug}”只能用小写英文字母、数字和连字符（它就是网址的一部分）"))
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        out.problems.append(yaml_errors.describe(exc, text, 1))
        return out
    except ValueError:
        out.problems.append((1, "调查文件里有无法读取的值（如不存在的日期 2026-13-01）；请检查格式"))
        return out
    finally:
        loader.dispose()
    out.problems.extend(yaml_errors.duplicate_keys(node, 1))
    if not isinstance(data, dict):
        out.problems.append((1, "调查文件应为若干“键: 值”，如 title: 调查标题"))
        return out
    lines = _Lines(node)
    err = out.problems

    for key in data:
        if key not in TOP_KEYS:
            err.append((lines.of(key), f"不认识的键“{key}”；可用的键：{'、'.join(sorted(TOP_KEYS))}"))
    title = _text(data, "title", "标题", lines, err, required=True)
    department = _text(data, "department", "发布机构", lines, err, required=True)
    if department and departments is not None and department not in set(departments):
        err.append((lines.of("department"),
                    f"department（发布机构）“{department}” 不是机构名录 departments.yml 中的机构代码"))
    intro = _text(data, "intro", "说明", lines, err)
    opens = _date(data, "opens", "开始日期", lines, err)
    closes = _date(data, "closes", "截止日期", lines, err)
    if opens and closes and closes < opens:
        err.append((lines.of("closes"), f"closes（截止日期）{closes} 早于 opens（开始日期）{opens}"))
    anonymous = data.get("anonymous", True)
    if not isinstance(anonymous, bool):
        err.append((lines.of("anonymous"), "anonymous（匿名）应为 true（匿名，不问姓名电话）或 false"))
    questions = _questions(data.get("questions"), lines, err)
    if err:
        return out
    assert opens is not None and closes is not None
    out.survey = Survey(slug=slug, title=title, department=department, intro=intro, opens=opens,
                        closes=closes, anonymous=bool(anonymous), questions=tuple(questions))
    return out


def _text(data: dict[str, Any], key: str, label: str, lines: _Lines, err: list[tuple[int, str]],
          *, required: bool = False, path: tuple[str | int, ...] = ()) -> str:
    value = data.get(key)
    where = lines.of(*path, key)
    if value is None or value == "":
        if required:
            err.append((where if key in data else lines.of(*path), f"缺少 {key}（{label}）"))
        return ""
    if not isinstance(value, str):
        err.append((where, f"{key}（{label}）应为文字"))
        return ""
    return value.strip()


def _date(data: dict[str, Any], key: str, label: str, lines: _Lines,
          err: list[tuple[int, str]]) -> date | None:
    value = data.get(key)
    if value is None:
        err.append((1, f"缺少 {key}（{label}），格式 YYYY-MM-DD"))
        return None
    if isinstance(value, date):
        return value
    err.append((lines.of(key), f"{key}（{label}）“{value}” 应为日期，格式 YYYY-MM-DD，如 2026-12-31"))
    return None


def _int(q: dict[str, Any], key: str, label: str, lo: int, hi: int, path: tuple[str | int, ...],
         lines: _Lines, err: list[tuple[int, str]], prefix: str) -> int | None:
    value = q.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        err.append((lines.of(*path, key), f"{prefix}{key}（{label}）应为 {lo} 到 {hi} 之间的整数"))
        return None
    return value


def _questions(raw: Any, lines: _Lines, err: list[tuple[int, str]]) -> list[Question]:
    if not isinstance(raw, list) or not raw:
        err.append((lines.of("questions"), "缺少 questions（问题）：应为问题列表，每个问题以“- id: …”开头"))
        return []
    if len(raw) > MAX_QUESTIONS:
        err.append((lines.of("questions"), f"问题不能超过 {MAX_QUESTIONS} 个"))
    out: list[Question] = []
    seen: dict[str, int] = {}
    for i, q in enumerate(raw):
        path: tuple[str | int, ...] = ("questions", i)
        prefix = f"第 {i + 1} 个问题的 "
        if not isinstance(q, dict):
            err.append((lines.of(*path), f"第 {i + 1} 个问题应为若干“键: 值”（id、type、text …）"))
            continue
        for key in q:
            if key not in QUESTION_KEYS:
                err.append((lines.of(*path, key), f"{prefix}键“{key}”不认识；可用的键："
                                                  f"{'、'.join(sorted(QUESTION_KEYS))}"))
        before = len(err)
        qid = q.get("id")
        if not isinstance(qid, str) or not QUESTION_ID_RE.fullmatch(qid):
            err.append((lines.of(*path, "id") if "id" in q else lines.of(*path),
                        f"{prefix}id（编号）应以小写英文字母开头，只用小写字母、数字和连字符，如 satisfaction"))
        elif qid in seen:
            err.append((lines.of(*path, "id"), f"{prefix}id“{qid}”与第 {seen[qid]} 个问题重复"))
        else:
            seen[qid] = i + 1
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            names = "、".join(f"{k}（{v}）" for k, v in QUESTION_TYPES.items())
            err.append((lines.of(*path, "type") if "type" in q else lines.of(*path),
                        f"{prefix}type（题型）应为 {names} 之一"))
        text = _text(q, "text", "问题", lines, err, required=True, path=path)
        help_text = _text(q, "help", "提示", lines, err, path=path)
        required = q.get("required", False)
        if not isinstance(required, bool):
            err.append((lines.of(*path, "required"), f"{prefix}required（必答）应为 true 或 false"))
        options: tuple[str, ...] = ()
        if qtype in ("single", "multiple"):
            raw_options = q.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                err.append((lines.of(*path, "options") if "options" in q else lines.of(*path),
                            f"{prefix}options（选项）至少要有 2 个，写成 [选项一, 选项二] 或列表"))
            elif len(raw_options) > MAX_OPTIONS:
                err.append((lines.of(*path, "options"), f"{prefix}options（选项）不能超过 {MAX_OPTIONS} 个"))
            elif not all(isinstance(o, str | int) and not isinstance(o, bool) and str(o).strip()
                         for o in raw_options):
                err.append((lines.of(*path, "options"), f"{prefix}options（选项）每一项都应是非空文字"))
            else:
                options = tuple(str(o).strip() for o in raw_options)
                if len(set(options)) != len(options):
                    err.append((lines.of(*path, "options"), f"{prefix}options（选项）有重复的选项"))
        elif "options" in q and qtype in QUESTION_TYPES:
            err.append((lines.of(*path, "options"), f"{prefix}options（选项）只用于单选和多选题"))
        n = len(options)
        min_choices = max_choices = 0
        if qtype == "multiple":
            max_choices = _int(q, "max_choices", "最多选几项", 1, max(n, 1), path, lines, err, prefix) or n
            min_choices = _int(q, "min_choices", "至少选几项", 1, max(n, 1), path, lines, err, prefix) or 0
            if min_choices and max_choices and min_choices > max_choices:
                err.append((lines.of(*path, "min_choices"), f"{prefix}min_choices 大于 max_choices"))
        elif qtype in QUESTION_TYPES:
            for key in ("max_choices", "min_choices"):
                if key in q:
                    err.append((lines.of(*path, key), f"{prefix}{key} 只用于多选题"))
        scale = 0
        labels = ("", "")
        if qtype == "scale":
            scale = _int(q, "scale", "量表级数", 2, MAX_SCALE, path, lines, err, prefix) or 5
            raw_labels = q.get("labels")
            if raw_labels is not None:
                if (not isinstance(raw_labels, list) or len(raw_labels) != 2
                        or not all(isinstance(x, str) and x.strip() for x in raw_labels)):
                    err.append((lines.of(*path, "labels"),
                                f"{prefix}labels（两端说明）应为两项文字，如 [很不满意, 很满意]"))
                else:
                    labels = (raw_labels[0].strip(), raw_labels[1].strip())
        elif qtype in QUESTION_TYPES:
            for key in ("scale", "labels"):
                if key in q:
                    err.append((lines.of(*path, key), f"{prefix}{key} 只用于量表题（type: scale）"))
        max_length = 0
        if qtype == "text":
            max_length = _int(q, "max_length", "字数上限", 1, MAX_TEXT_LENGTH, path, lines, err,
                              prefix) or DEFAULT_TEXT_LENGTH
        elif "max_length" in q and qtype in QUESTION_TYPES:
            err.append((lines.of(*path, "max_length"), f"{prefix}max_length 只用于填空题（type: text）"))
        if len(err) == before:
            out.append(Question(number=i + 1, id=str(qid), type=str(qtype), text=text,
                                required=bool(required), help=help_text, options=options,
                                min_choices=min_choices, max_choices=max_choices, scale=scale,
                                labels=labels, max_length=max_length))
    return out


def files(content_dir: Path) -> list[Path]:
    """Every survey file, sorted by name."""
    folder = Path(content_dir) / SURVEYS_DIR
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def parse_file(path: Path, departments: Iterable[str] | None = None) -> Parsed:
    """Read one survey file from disk (UTF-8); its slug is its file name."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return Parsed(None, [(1, "文件不是 UTF-8 编码")])
    return parse_text(text, path.stem, departments)


def load(content_dir: Path, departments: Iterable[str] | None = None) -> dict[str, Survey]:
    """The surveys without errors, by slug (a file with errors is left out; the check says why)."""
    found = {}
    for path in files(content_dir):
        parsed = parse_file(path, departments)
        if parsed.survey is not None:
            found[parsed.survey.slug] = parsed.survey
    return found
