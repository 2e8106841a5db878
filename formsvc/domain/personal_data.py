"""The citizen's personal data: the one list of where a message, a contribution to a draft or
an interview, and a survey answer hold it.

Masking hides these values wherever they appear in a text made public (the public letter box),
retention erases them when the privacy statement's period ends (``purge-personal-data``), and the
tests of both read this list, so a field added here is masked and erased alike.

An organisation's name and its unified social credit code (依申请公开 by a 法人) are not personal
data (PIPL Art. 4): they stay with the disclosure file, as the privacy statement says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formsvc.models import Message

# Columns of ``message`` (the contact data every kind asks for).
COLUMNS = ("name", "phone", "email", "address")
# Columns of ``contribution`` (意见, 听证发言报名, 网友提问: required, never published) and of
# ``survey_response`` (asked only when a survey is not anonymous).
CONTRIBUTION_COLUMNS = ("name", "phone")
SURVEY_COLUMNS = ("name", "phone")
# Keys of ``message.details`` (依申请公开: the applicant's identity document, the legal representative).
DETAILS = ("id_type", "id_number", "legal_rep")


def values(message: Message) -> list[str]:
    """The non-empty personal values of ``message``, columns first."""
    details = message.details or {}
    found = [getattr(message, c) or "" for c in COLUMNS]
    found += [str(details.get(k) or "") for k in DETAILS]
    return [v for v in found if v]


def without(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """``details`` with the personal keys removed (what erasure keeps)."""
    return {k: v for k, v in (details or {}).items() if k not in DETAILS}


def _present(row: Any, columns: tuple[str, ...]) -> list[str]:
    return [v for v in (getattr(row, c) or "" for c in columns) if v]


def contribution_values(row: Any) -> list[str]:
    """The non-empty personal values of a contribution (``formsvc.models.Contribution``)."""
    return _present(row, CONTRIBUTION_COLUMNS)


def survey_values(row: Any) -> list[str]:
    """The non-empty personal values of a survey answer (``formsvc.models.SurveyResponse``)."""
    return _present(row, SURVEY_COLUMNS)
