"""Letters already published, masked again with today's rules (``remask-letters``).

Letters published before issue 19's masking showed bank cards, full-width and dotted mobiles, QQ
and WeChat IDs, plates and disguised e-mails in full (the old rules did not know them). Masking
is idempotent and keeps the county's published numbers, so running the same function over the
stored texts changes exactly what the present rules would not have let through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.domain import personal_data
from formsvc.models import Message
from formsvc.models.workbench import Letter
from formsvc.services import county_numbers, masking, search

# the letter's texts that are masked (its name was masked to one character when published)
TEXTS = ("subject", "question", "reply")


@dataclass
class RemaskResult:
    checked: int = 0
    changed: list[int] = field(default_factory=list)  # letter ids

    def summary(self) -> str:
        """One line for the operator."""
        return f"检查公开信件 {self.checked} 件，重新遮盖 {len(self.changed)} 件"


def remask_letters(session: Session, config: Mapping[str, Any], *,
                   dry_run: bool = False) -> RemaskResult:
    """Mask every published letter's texts again (with the submitter's own values and the
    county's numbers kept), commit, and rebuild the letters' search index; ``dry_run`` counts."""
    numbers = county_numbers.public_numbers(session, config)
    result = RemaskResult()
    rows = session.execute(select(Letter, Message).join(Message, Letter.message_id == Message.id)
                           .where(Letter.published.is_(True)).order_by(Letter.id))
    for letter, message in rows:
        result.checked += 1
        known = personal_data.values(message)
        texts = {name: masking.mask_text(getattr(letter, name), known, numbers) for name in TEXTS}
        if all(texts[name] == getattr(letter, name) for name in TEXTS):
            continue
        result.changed.append(letter.id)
        if not dry_run:
            for name, text in texts.items():
                setattr(letter, name, text)
    if dry_run:
        session.rollback()
        return result
    session.commit()
    search.reindex_letters(session, config)
    return result
