"""网上调查 answers: one row per answer, its free-text answers, and counters per option.

The survey itself is content (``content/surveys/<slug>.yml``, parsed by ``portal.surveys``);
these tables hold what people answered. Results never count the answers: ``survey_count``
keeps, per (survey, question, option, shard), how many answers chose that option, updated in
the same transaction as the answer, so a results page reads a few hundred rows whatever the
number of answers (docs/performance.md). An answer adds to one of ``COUNT_SHARDS`` rows per
option, picked at random, so a burst of answers to one survey does not queue on one row lock.
Question 0, option 0 counts the answers themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.config import NAME_MAX
from formsvc.db import Base, UTCDateTime, utcnow
from formsvc.models.message import JSONType

# BIGINT in PostgreSQL; SQLite's rowid alias must be spelled INTEGER
BigId = BigInteger().with_variant(Integer(), "sqlite")
COUNT_SHARDS = 8
SLUG_MAX = 64


class SurveyResponse(Base):
    """One person's answer to a survey: the choices and texts as given (for the CSV export)."""

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_response_survey_id", "survey", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey: Mapped[str] = mapped_column(String(SLUG_MAX))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {question id: [option numbers]} or {question id: "text"}
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # asked only when the survey is not anonymous; never published. As long as the form allows
    # (formsvc/forms/surveys.py checks NAME_MAX), so a name the form took is stored whole.
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")


class SurveyText(Base):
    """A free-text answer; shown publicly (masked) only once staff chose to publish it."""

    __tablename__ = "survey_text"
    __table_args__ = (Index("ix_survey_text_survey_published", "survey", "published", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"),
                                             index=True)
    survey: Mapped[str] = mapped_column(String(SLUG_MAX))
    question: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the masked text as published (masking.mask_text at the time staff published it)
    public_text: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyCount(Base):
    """How many answers chose ``option`` of ``question`` (numbers from 1), in one shard."""

    __tablename__ = "survey_count"

    survey: Mapped[str] = mapped_column(String(SLUG_MAX), primary_key=True)
    question: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    option: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
