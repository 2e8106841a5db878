"""A suggested department for 分办: shown to the dispatcher beside the picker, never applied.

Chinese has no spaces, so texts are compared by their two-character pieces (bigrams). A message
scores against each active department twice:

* the registry: the department's name and its duties (content/departments.yml), each piece
  weighted by how few departments share it (a piece in every list of duties, 负责 or 管理, counts
  for nothing; 路灯 or 社保 for much), a piece of the department's own name twice;
* past dispatches: the messages most like this one among the latest dispatched ones, each a vote
  for the department that handled it, weighted by how alike the two texts are.

The best department is suggested when it scores at least ``MIN_SCORE``; otherwise none.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from formsvc.models import Department, Message
from formsvc.services.lifecycle import Status
from formsvc.services.workbench.context import Context

# Characters that make a bigram say nothing about the subject: particles, pronouns, question words,
# politeness (common words such as 负责 need no list: every department shares them, they weigh 0);
# and the county's own name (every department is 示范县's).
_STOP = set("的了是我你您他她它们请问吗呢吧啊么怎什哪这那谢")
_GENERIC = ("示范县", "人民政府", "县")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[A-Za-z]{3,}|\d{3,}")

HISTORY = 300  # the latest dispatched messages compared with this one
NEIGHBOURS = 5  # the most alike of them that vote
MIN_SIMILARITY = 0.12  # a past message less alike than this does not vote
HISTORY_WEIGHT = 12.0  # a past message as alike as can be counts this much
NAME_WEIGHT = 2.0  # a piece of the department's own name counts this many times
MIN_SCORE = 3.0  # below this, no suggestion


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float
    words: tuple[str, ...]  # the pieces of the text that matched the registry, strongest first
    similar: int  # past messages like this one that went to the department


def grams(text: str) -> set[str]:
    """The bigrams of the Chinese runs of ``text`` (without stop characters) and its Latin words
    and numbers, the pieces texts are compared by."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(text or ""):
        out.update(run[i:i + 2] for i in range(len(run) - 1)
                   if run[i] not in _STOP and run[i + 1] not in _STOP)
    out.update(w.lower() for w in _WORD.findall(text or ""))
    return out


def _name_grams(department: Department) -> set[str]:
    names = f"{department.name} {department.short_name}"
    for generic in _GENERIC:
        names = names.replace(generic, " ")
    return grams(names)


def _similarity(a: set[str], b: set[str]) -> float:
    # overlap over the smaller text: a short message inside a long one is alike
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b)) ** 0.5 / max(len(a), len(b)) ** 0.5


def suggest_department(ctx: Context, message: Message,
                       duties: Mapping[str, Sequence[str]]) -> Suggestion | None:
    """The department ``message`` most probably belongs to, or None when nothing stands out.

    ``duties`` maps a department code to its duties in the registry."""
    text = grams(f"{message.subject} {message.subject} {message.content}")
    if not text:
        return None
    active = list(ctx.session.scalars(select(Department).where(Department.active)
                                      .order_by(Department.position)))
    names = {d.code: _name_grams(d) for d in active}
    profiles = {d.code: names[d.code] | grams(" ".join(duties.get(d.code, ()))) for d in active}
    df = Counter(g for profile in profiles.values() for g in profile)
    n = len(profiles) or 1

    def weight(g: str) -> float:
        return math.log(n / df[g]) if df[g] else 0.0

    scores: dict[str, float] = {}
    matched: dict[str, list[tuple[float, str]]] = {}
    for code, profile in profiles.items():
        hits = [(weight(g) * (NAME_WEIGHT if g in names[code] else 1.0), g)
                for g in text & profile]
        matched[code] = sorted(hits, reverse=True)
        scores[code] = sum(w for w, _ in hits)

    votes = Counter[str]()
    past = ctx.session.execute(
        select(Message.subject, Message.content, Department.code)
        .join(Department, Message.department_id == Department.id)
        .where(Message.id != message.id,
               Message.status.in_([Status.ASSIGNED, Status.REPLIED, Status.CLOSED]))
        .order_by(Message.id.desc()).limit(HISTORY))
    alike = sorted(((_similarity(text, grams(f"{s} {s} {c}")), code) for s, c, code in past),
                   reverse=True)[:NEIGHBOURS]
    similar = Counter[str]()
    for sim, code in alike:
        if sim >= MIN_SIMILARITY and code in scores:
            votes[code] += HISTORY_WEIGHT * sim
            similar[code] += 1
    for code, v in votes.items():
        scores[code] += v

    if not scores:
        return None
    best = max(scores, key=lambda c: (scores[c], -list(profiles).index(c)))
    if scores[best] < MIN_SCORE:
        return None
    dept = next(d for d in active if d.code == best)
    strong = {g: w for w, g in matched[best] if w > 0}
    return Suggestion(best, dept.name, round(scores[best], 2),
                      words_of(f"{message.subject}，{message.content}", strong), similar[best])


def words_of(text: str, strong: Mapping[str, float], limit: int = 3) -> tuple[str, ...]:
    """The stretches of ``text`` made of matched bigrams (社会保险, not 会保), heaviest first:
    what the dispatcher reads as the reason for the suggestion."""
    found: dict[str, float] = {}
    for run in _CJK_RUN.findall(text):
        i = 0
        while i < len(run) - 1:
            j = i
            while j < len(run) - 1 and run[j:j + 2] in strong:
                j += 1
            if j > i:
                word = run[i:j + 1]
                found[word] = max(found.get(word, 0.0),
                                  sum(strong[run[k:k + 2]] for k in range(i, j)))
                i = j
            else:
                i += 1
    return tuple(sorted(found, key=lambda w: -found[w])[:limit])
