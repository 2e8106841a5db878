"""The masking corpus: every sentence masked exactly as expected, and the scoring that the
evaluation script (tests/formsvc/privacy/evaluate.py) prints is itself checked here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from formsvc.services import masking
from formsvc.services.pii_text import Kind
from tests.formsvc.privacy import corpus

SENTENCES = corpus.load()


def test_the_corpus_covers_every_class_and_every_never_mask_case() -> None:
    assert len(SENTENCES) >= 200
    kinds = Counter(kind for s in SENTENCES for _, _, kind in s.expected_spans())
    assert set(kinds) == set(Kind), set(Kind) - set(kinds)
    assert min(kinds.values()) >= 9
    keep = Counter(c for s in SENTENCES for c in s.keep)
    assert set(keep) == corpus.KEEP_CATEGORIES
    personal = sum(1 for s in SENTENCES if not s.keep)
    # roughly equal measure of sentences to mask and sentences whose numbers must stay
    assert 0.4 <= personal / len(SENTENCES) <= 0.6
    assert any(s.known for s in SENTENCES) and any(s.public for s in SENTENCES)


@pytest.mark.parametrize("sentence", SENTENCES, ids=[s.where for s in SENTENCES])
def test_sentence(sentence: corpus.Sentence) -> None:
    assert masking.mask_text(sentence.text, sentence.known, sentence.public) == sentence.expected
    spans = masking.masked_spans(sentence.text, sentence.known, sentence.public)
    assert [(m.start, m.end, m.kind) for m in spans] == sentence.expected_spans()


def test_the_score_sees_leaks_and_damage() -> None:
    perfect = corpus.score(corpus.rules_masker, SENTENCES)
    assert perfect.recall() == perfect.precision() == 1.0

    def leaky(text: str, known: list[str], public: list[str]) -> list[tuple[int, int, str]]:
        # hides each span but its last character, and masks every run of two digits it sees
        spans = [(s, e - 1, k) for s, e, k in corpus.rules_masker(text, known, public)]
        at = text.find("20")
        return spans + ([(at, at + 2, Kind.PHONE)] if at >= 0 else [])

    leaked = corpus.score(leaky, SENTENCES)
    assert leaked.recall() == 0.0
    assert leaked.precision(Kind.PHONE) < 1.0 and sum(leaked.keep_damaged.values()) > 0
    assert any(m.startswith("missed id") for m in leaked.misses)


def test_an_expected_output_that_does_not_align_is_refused(tmp_path: Path) -> None:
    assert corpus.spans_between("电话13857901234。", "电话[电话已隐去]。") == [(2, 13, Kind.PHONE)]
    with pytest.raises(ValueError, match="does not align"):
        corpus.spans_between("电话13857901234。", "手机[电话已隐去]。")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- text: 电话13857901234\n  expected: 电话13857901234\n  keep: [weather]\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="unknown keep category"):
        corpus.load([bad])
    bad.write_text("- text: 电话\n  known: 张三\n  expected: 电话\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lists of strings"):
        corpus.load([bad])
