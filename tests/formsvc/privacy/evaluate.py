"""Per-class precision and recall of the masking over the corpus, and its speed (prints figures;
not a test).

    .venv/bin/python -m tests.formsvc.privacy.evaluate              # formsvc.services.masking
    .venv/bin/python -m tests.formsvc.privacy.evaluate --engine jionlp --misses

``--engine jionlp`` measures the JioNLP extractors (phone, e-mail, ID card, QQ, WeChat, plate) on
the same corpus, with the known values replaced as exact text; JioNLP is not a dependency of the
project: install it in a scratch environment to compare.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from formsvc.services import masking
from formsvc.services.pii_text import Kind, digits_of
from tests.formsvc.privacy import corpus

LETTER_CHARS = 2000


def jionlp_masker() -> corpus.Masker:
    """JioNLP's extractors as a masker (imported here: it is no dependency of the project)."""
    import jionlp

    extractors: list[tuple[Callable, Kind]] = [
        (jionlp.extract_email, Kind.EMAIL), (jionlp.extract_id_card, Kind.ID),
        (jionlp.extract_phone_number, Kind.PHONE), (jionlp.extract_qq, Kind.QQ),
        (jionlp.extract_wechat_id, Kind.WECHAT),
        (jionlp.extract_motor_vehicle_licence_plate, Kind.PLATE)]

    def mask(text: str, known: list[str], public: list[str]) -> list[tuple[int, int, str]]:
        published = {digits_of(p) for p in public}
        spans: list[tuple[int, int, str]] = []
        for value in sorted(known, key=len, reverse=True):
            at = text.find(value)
            while at >= 0:
                spans.append((at, at + len(value), Kind.NAME))
                at = text.find(value, at + len(value))
        for extract, kind in extractors:
            for item in extract(text, detail=True):
                start, end = item["offset"]
                found = item["text"]
                # fair to it: a published number in another spelling is kept, spaces around a
                # span are not held against it
                if digits_of(found) not in published and found not in public:
                    start += len(found) - len(found.lstrip())
                    end -= len(found) - len(found.rstrip())
                    spans.append((start, end, kind))
        return _without_overlaps(spans)

    return mask


def _without_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not any(span[0] < k[1] and k[0] < span[1] for k in kept):
            kept.append(span)
    return sorted(kept)


def letter_ms(masker: corpus.Masker, sentences: list[corpus.Sentence], rounds: int) -> float:
    """Median CPU time to mask a letter of 2,000 characters made of corpus sentences, in ms (CPU
    time: the machine is shared, wall time says more about the neighbours)."""
    rng = random.Random(20261206)
    letters = []
    for _ in range(10):
        text = ""
        while len(text) < LETTER_CHARS:
            text += rng.choice(sentences).text
        letters.append(text[:LETTER_CHARS])
    known = ["张小明", "13907770123", "zhang.wei88@163.com", "示范县幸福路88号7栋2单元301室"]
    public = ["0579-88881234", "0579-82123000", "12345", "321000"]
    times = []
    for _ in range(rounds):
        for text in letters:
            start = time.process_time()
            masker(text, known, public)
            times.append(time.process_time() - start)
    times.sort()
    return times[len(times) // 2] * 1000


# texts made to be slow: long runs of digits, digits cut by separators, thousands of numbers
HOSTILE = {"10,000 digits": "1" * 10_000, "1 1 1 … (10,000 characters)": "1 " * 5_000,
           "1-1-1 … (10,000 characters)": "1-" * 5_000,
           "700 phone numbers (10,500 characters)": "电话13857901234，" * 700,
           "Chinese numerals (10,000 characters)": "一二三四五六七八九零" * 1_000}


def hostile_ms(masker: corpus.Masker) -> dict[str, float]:
    """CPU time to mask each of the HOSTILE texts once, in ms."""
    times = {}
    for name, text in HOSTILE.items():
        start = time.process_time()
        masker(text, [], [])
        times[name] = (time.process_time() - start) * 1000
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("rules", "jionlp"), default="rules")
    parser.add_argument("--misses", action="store_true", help="list every miss and wrong span")
    parser.add_argument("--rounds", type=int, default=20, help="timing rounds over 10 letters")
    args = parser.parse_args(argv)
    sentences = corpus.load()
    if args.engine == "rules":
        masker: corpus.Masker = corpus.rules_masker
        result = corpus.score(masker, sentences,
                              lambda s: masking.mask_text(s.text, s.known, s.public))
    else:
        try:
            masker = jionlp_masker()
        except ImportError:
            print("jionlp is not installed (pip install jionlp in a scratch environment)",
                  file=sys.stderr)
            return 1
        result = corpus.score(masker, sentences)
    personal = sum(not s.keep for s in sentences)
    print(f"engine {args.engine}: {len(sentences)} sentences ({personal} personal-data, "
          f"{len(sentences) - personal} with numbers to keep)")
    print(f"{'class':<10} {'expected':>8} {'recall':>7} {'predicted':>9} {'precision':>9}")
    for kind in Kind:
        print(f"{kind.value:<10} {result.expected[kind]:>8} {result.recall(kind):>7.3f} "
              f"{result.predicted[kind]:>9} {result.precision(kind):>9.3f}")
    print(f"{'all':<10} {sum(result.expected.values()):>8} {result.recall():>7.3f} "
          f"{sum(result.predicted.values()):>9} {result.precision():>9.3f}")
    print("never-mask categories, sentences damaged (a span masked that should stay):")
    print("  " + ", ".join(f"{c} {result.keep_damaged[c]}/{n}"
                           for c, n in sorted(result.keep_sentences.items())))
    if args.engine == "rules":
        print(f"exact expected output: {result.exact}/{result.sentences} sentences")
    print(f"median CPU time to mask a {LETTER_CHARS:,}-character letter: "
          f"{letter_ms(masker, sentences, args.rounds):.2f} ms")
    print("CPU time on texts made to be slow: " + ", ".join(
        f"{name} {ms:.0f} ms" for name, ms in hostile_ms(masker).items()))
    if args.misses:
        print("\n".join(result.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
