"""The masking corpus (data/masking_corpus_*.yaml) and how a masker is scored on it.

Each sentence gives its input, the exact expected output, and optionally the submitter's known
values, the county's public numbers and the never-mask categories it holds (``keep``). The spans a
sentence expects masked are read off its expected output (each marker stands for the text it
replaced), so a sentence is written once, as a person would check it.

Scores per class: recall is the share of expected spans wholly hidden (by any marker: a leak is a
leak whatever the label); precision is the share of predicted spans that hide nothing but
personal data (a span that reaches into text that should stay, or masks a kept number, is wrong).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from formsvc.services import masking
from formsvc.services.pii_text import Kind

DATA = Path(__file__).parent / "data"
FILES = ("masking_corpus_personal.yaml", "masking_corpus_keep.yaml")
KEEP_CATEGORIES = {"public", "hotline", "postcode", "building", "date", "time", "money", "docno",
                   "index", "tracking", "article", "count"}
_FIELDS = {"text", "expected", "known", "public", "keep"}
_KIND_OF_MARKER = {marker: kind for kind, marker in masking.MARKERS.items()}
_MARKER = re.compile("|".join(re.escape(m) for m in _KIND_OF_MARKER) + r"|[^\s*]\*\*")

# a masker: (text, known, public numbers) -> the spans it masks, as (start, end, kind)
Masker = Callable[[str, list[str], list[str]], list[tuple[int, int, str]]]


@dataclass(frozen=True)
class Sentence:
    text: str
    expected: str
    known: list[str] = field(default_factory=list)
    public: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    where: str = ""

    def expected_spans(self) -> list[tuple[int, int, str]]:
        """The spans the expected output masks, read off its markers."""
        return spans_between(self.text, self.expected)


def spans_between(text: str, masked: str) -> list[tuple[int, int, str]]:
    """The spans of ``text`` that markers replace in ``masked`` (ValueError if they don't align)."""
    parts = _MARKER.split(masked)
    markers = _MARKER.findall(masked)
    pattern = re.escape(parts[0]) + "".join(
        f"(.+?){re.escape(literal)}" for literal in parts[1:])
    m = re.fullmatch(pattern, text, re.DOTALL)
    if m is None:
        raise ValueError(f"the output does not align with the input: {masked!r} / {text!r}")
    return [(m.start(i + 1), m.end(i + 1), _KIND_OF_MARKER.get(marker, Kind.NAME))
            for i, marker in enumerate(markers)]


def load(files: Iterable[str | Path] = FILES) -> list[Sentence]:
    """Every sentence of the corpus, checked for shape (ValueError naming the file and entry)."""
    sentences = []
    for file in files:
        path = DATA / file
        name = path.name
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(entries, list):
            raise ValueError(f"{name}: a list of sentences expected")
        for i, entry in enumerate(entries, 1):
            where = f"{name} #{i}"
            if not isinstance(entry, dict) or not {"text", "expected"} <= set(entry) \
                    or set(entry) - _FIELDS:
                raise ValueError(f"{where}: needs text and expected, may have {_FIELDS}")
            lists = {k: entry.get(k) or [] for k in ("known", "public", "keep")}
            if not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                       for v in lists.values()):
                raise ValueError(f"{where}: known, public and keep are lists of strings")
            if set(lists["keep"]) - KEEP_CATEGORIES:
                raise ValueError(f"{where}: unknown keep category {lists['keep']}")
            sentence = Sentence(entry["text"], entry["expected"], where=where, **lists)
            sentence.expected_spans()  # raises when the expected output does not align
            sentences.append(sentence)
    return sentences


@dataclass
class Score:
    expected: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    keep_sentences: Counter[str] = field(default_factory=Counter)
    keep_damaged: Counter[str] = field(default_factory=Counter)
    exact: int = 0
    sentences: int = 0
    misses: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        return _ratio(self.caught, self.expected, kind)

    def precision(self, kind: str | None = None) -> float:
        return _ratio(self.correct, self.predicted, kind)


def _ratio(part: Counter[str], whole: Counter[str], kind: str | None) -> float:
    n = whole[kind] if kind else sum(whole.values())
    return (part[kind] if kind else sum(part.values())) / n if n else 1.0


def score(masker: Masker, sentences: list[Sentence],
          output: Callable[[Sentence], str] | None = None) -> Score:
    """How ``masker`` does on ``sentences``; ``output`` (the masked text) counts exact matches."""
    s = Score()
    for sentence in sentences:
        s.sentences += 1
        expected = sentence.expected_spans()
        predicted = masker(sentence.text, sentence.known, sentence.public)
        hidden = _covered(predicted)
        personal = _covered(expected)
        for start, end, kind in expected:
            s.expected[kind] += 1
            if all(i in hidden for i in range(start, end)):
                s.caught[kind] += 1
            else:
                s.misses.append(f"missed {kind} {sentence.text[start:end]!r} in {sentence.where}")
        damaged = False
        for start, end, kind in predicted:
            s.predicted[kind] += 1
            if all(i in personal for i in range(start, end)):
                s.correct[kind] += 1
            else:
                damaged = True
                s.misses.append(f"wrong {kind} {sentence.text[start:end]!r} in {sentence.where}")
        for category in sentence.keep:
            s.keep_sentences[category] += 1
            s.keep_damaged[category] += damaged
        if output is not None and output(sentence) == sentence.expected:
            s.exact += 1
    return s


def _covered(spans: Iterable[tuple[int, int, str]]) -> set[int]:
    return {i for start, end, _ in spans for i in range(start, end)}


def rules_masker(text: str, known: list[str], public: list[str]) -> list[tuple[int, int, str]]:
    """formsvc.services.masking as a masker."""
    return [(m.start, m.end, m.kind) for m in masking.masked_spans(text, known, public)]
