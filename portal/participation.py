"""意见征集 and 在线访谈 read from their front matter: the one rule of when each accepts input.

The build's checks (``portal.participation_check``), the theme (via the reader's metadata) and
formsvc (comments, hearing registrations, interview questions) all ask :func:`phase` here, so
the static page, the form and the service can never disagree on whether a draft is open.
Dates are China time: a draft whose ``closes`` is 2026-12-20 takes comments until 24:00 that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from portal.frontmatter import FrontMatterError, parse
from portal.schema import CONSULTATION, INTERVIEW

CHINA_TZ = timezone(timedelta(hours=8))

# What a draft or an interview is doing at a moment: words for people in PHASE_LABELS.
NOT_YET, OPEN, CLOSED = "not_yet", "open", "closed"
PHASE_LABELS = {NOT_YET: "尚未开始", OPEN: "正在征集", CLOSED: "已结束"}
INTERVIEW_PHASE_LABELS = {NOT_YET: "预告", OPEN: "正在访谈", CLOSED: "往期访谈"}


def as_date(value: Any) -> date | None:
    """A front-matter date (a ``date``, a ``datetime`` or ``YYYY-MM-DD[ HH:MM]`` text)."""
    moment = as_datetime(value)
    return moment.date() if moment else None


def as_datetime(value: Any) -> datetime | None:
    """A front-matter date or date and time as a naive China-time ``datetime``."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        text = value.strip().replace("T", " ")
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    return None


def china_now(now: datetime | None = None) -> datetime:
    """``now`` (aware, or naive UTC) as naive China time; the current time when None."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(CHINA_TZ).replace(tzinfo=None)


def phase(start: datetime, end: datetime, now: datetime | None = None) -> str:
    """NOT_YET before ``start``, OPEN until ``end`` (exclusive), CLOSED after (China time)."""
    local = china_now(now)
    if local < start:
        return NOT_YET
    return OPEN if local < end else CLOSED


@dataclass(frozen=True)
class DraftArticle:
    number: int
    title: str
    text: str

    @property
    def heading(self) -> str:
        """第三条 适用范围 → "第3条 适用范围" (numbers as digits: no Chinese numeral parsing)."""
        return f"第{self.number}条" + (f" {self.title}" if self.title else "")


@dataclass(frozen=True)
class Hearing:
    at: datetime
    place: str
    registration_deadline: date
    transcript: str

    @property
    def registration_end(self) -> datetime:
        """Speakers register until 24:00 of the deadline, China time."""
        return datetime.combine(self.registration_deadline, time()) + timedelta(days=1)


@dataclass(frozen=True)
class Consultation:
    """A 征求意见稿 as formsvc needs it."""

    slug: str
    title: str
    department: str
    opens: date
    closes: date
    articles: tuple[DraftArticle, ...]
    hearing: Hearing | None
    feedback: str

    @property
    def url(self) -> str:
        """The draft's static page on the portal."""
        return "/" + CONSULTATION.url_for(self.slug)

    @property
    def start(self) -> datetime:
        """Comments open at 00:00 of ``opens``."""
        return datetime.combine(self.opens, time())

    @property
    def end(self) -> datetime:
        """Comments close at 24:00 of ``closes``."""
        return datetime.combine(self.closes, time()) + timedelta(days=1)

    def phase(self, now: datetime | None = None) -> str:
        """NOT_YET, OPEN or CLOSED for comments."""
        return phase(self.start, self.end, now)

    def article(self, number: int) -> DraftArticle | None:
        """Article ``number``, or None."""
        return next((a for a in self.articles if a.number == number), None)

    def registration_phase(self, now: datetime | None = None) -> str:
        """Hearing speakers' registration: from ``opens`` to the deadline (CLOSED without one)."""
        if self.hearing is None:
            return CLOSED
        return phase(self.start, self.hearing.registration_end, now)


@dataclass(frozen=True)
class Interview:
    """An 在线访谈 as formsvc needs it: questions are taken from publication until ``ends``."""

    slug: str
    title: str
    department: str
    starts: datetime
    ends: datetime
    guests: tuple[tuple[str, str], ...]
    published: datetime

    @property
    def url(self) -> str:
        """The interview's static page on the portal."""
        return "/" + INTERVIEW.url_for(self.slug)

    def phase(self, now: datetime | None = None) -> str:
        """NOT_YET before ``starts`` (questions already taken), OPEN during, CLOSED after."""
        return phase(self.starts, self.ends, now)

    def accepts_questions(self, now: datetime | None = None) -> bool:
        """Questions are taken before and during the interview, until ``ends``."""
        return self.phase(now) != CLOSED


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def consultation_from(slug: str, meta: dict[str, Any]) -> Consultation | None:
    """The draft of ``meta``, or None when its dates are missing (``scripts/check`` says why)."""
    opens, closes = as_date(meta.get("opens")), as_date(meta.get("closes"))
    if opens is None or closes is None:
        return None
    articles = []
    for item in meta.get("articles") or ():
        if isinstance(item, dict) and isinstance(item.get("number"), int):
            articles.append(DraftArticle(item["number"], _text(item.get("title")),
                                         _text(item.get("text"))))
    raw_hearing = meta.get("hearing")
    hearing = None
    if isinstance(raw_hearing, dict):
        at = as_datetime(raw_hearing.get("date"))
        deadline = as_date(raw_hearing.get("registration_deadline"))
        if at is not None and deadline is not None:
            hearing = Hearing(at, _text(raw_hearing.get("place")), deadline,
                              _text(raw_hearing.get("transcript")))
    return Consultation(slug, _text(meta.get("title")) or slug, _text(meta.get("department")),
                        opens, closes, tuple(articles), hearing, _text(meta.get("feedback")))


def interview_from(slug: str, meta: dict[str, Any]) -> Interview | None:
    """The interview of ``meta``, or None when its times are missing."""
    starts, ends = as_datetime(meta.get("starts")), as_datetime(meta.get("ends"))
    if starts is None or ends is None:
        return None
    guests = tuple((_text(g.get("name")), _text(g.get("role")))
                   for g in meta.get("guests") or () if isinstance(g, dict))
    return Interview(slug, _text(meta.get("title")) or slug, _text(meta.get("department")),
                     starts, ends, guests, as_datetime(meta.get("date")) or starts)


def _read(content_dir: Path | str, directory: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((Path(content_dir) / directory).glob("*.md")):
        if path.name == "README.md":
            continue
        try:
            out.append((path.stem, parse(path).meta))
        except FrontMatterError:  # scripts/check reports it
            continue
    return out


def load_consultations(content_dir: Path | str) -> dict[str, Consultation]:
    """Every draft under content/hd/yjzj by slug; files that do not parse are skipped."""
    found = (consultation_from(slug, meta) for slug, meta in _read(content_dir,
                                                                   CONSULTATION.directory))
    return {c.slug: c for c in found if c is not None}


def load_interviews(content_dir: Path | str) -> dict[str, Interview]:
    """Every interview under content/hd/ft by slug; files that do not parse are skipped."""
    found = (interview_from(slug, meta) for slug, meta in _read(content_dir, INTERVIEW.directory))
    return {i.slug: i for i in found if i is not None}
