"""Recall and precision of bigram vs jieba segmentation on the demo content (docs/search.md).

``scripts/bench-search --quality [--content DIR]`` reads the content with Pelican and the yamlmeta
reader, turns it into search documents exactly as the searchindex plugin does, indexes them twice
(character bigrams; jieba search-mode words) and runs the query set of
``tests/sitesearch/data/queries.yml`` on both. A query's expected documents are those whose searchable
text contains every word of the query as an exact substring (after normalisation).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness import REPO_ROOT, plugin_module
from harness.search.jieba_text import JiebaText, jieba_module, jieba_query_tokens
from sitesearch import fields as F
from sitesearch import indexer, query
from sitesearch.analysis import normalize

QUERIES = REPO_ROOT / "tests" / "sitesearch" / "data" / "queries.yml"


def content_documents(content: Path) -> list[indexer.Document]:
    """The search documents of a content tree, read by a real Pelican run (output thrown away)."""
    from pelican import Pelican, signals
    from pelican.settings import read_settings

    plugin = plugin_module("searchindex")

    articles: list[Any] = []
    context: dict[str, Any] = {}

    def grab(generator: Any) -> None:
        articles.extend(generator.articles)
        context.update(generator.context)

    signals.article_generator_finalized.connect(grab)
    with tempfile.TemporaryDirectory() as out:
        settings = read_settings(str(REPO_ROOT / "pelicanconf.py"), override={
            "PATH": str(content), "OUTPUT_PATH": out, "THEME": str(REPO_ROOT / "theme"),
            "PLUGIN_PATHS": [str(REPO_ROOT / "plugins")], "PLUGINS": ["yamlmeta"],
            "CACHE_PATH": str(Path(out) / "cache"),
        })
        Pelican(settings).run()
    signals.article_generator_finalized.disconnect(grab)
    sections = {code: label for label, _u, code in settings.get("SECTIONS", ()) if code != "home"}
    registry = context.get("departments")
    docs = [plugin.article_document(a, sections, registry) for a in articles]
    docs += [plugin.department_document(d, sections) for d in registry or []]
    return docs


def expected(docs: list[indexer.Document], q: str) -> set[str]:
    """Paths of the documents that contain every word of ``q`` exactly."""
    words = query.split_query(q)
    out = set()
    for doc in docs:
        values = doc.to_fields()
        text = normalize(values[F.TEXT])
        codes = set(values.get(F.CODES, "").split())
        if all((w.code in codes) if w.code else (normalize(w.text) in text) for w in words):
            out.add(doc.path)
    return out


@dataclass
class Score:
    found: int = 0  # |retrieved ∩ expected|
    retrieved: int = 0
    expected: int = 0
    missed_queries: int = 0  # queries with recall < 1
    noisy_queries: int = 0  # queries with precision < 1

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.retrieved if self.retrieved else 1.0


def evaluate(docs: list[indexer.Document], queries: list[dict[str, str]], workdir: Path
             ) -> dict[str, dict[str, Score]]:
    """Scores per analyzer and per query kind ("all" too)."""
    jieba_module()  # load the dictionary before timing anything
    setups = {
        "bigram": (None, query.query_tokens, True),
        "jieba": (F.make_schema(JiebaText()), jieba_query_tokens, False),
    }
    truth = {q["q"]: expected(docs, q["q"]) for q in queries}
    scores: dict[str, dict[str, Score]] = {}
    for name, (schema, tokenizer, prefix_single) in setups.items():
        t = time.perf_counter()
        indexer.build(workdir / name, docs, full=True, schema=schema)
        build_s = time.perf_counter() - t
        snap = query.snapshot(workdir / name)
        per: dict[str, Score] = {}
        misses = []
        for entry in queries:
            q = entry["q"]
            params = query.parse_params({"q": q})
            ids, _ = snap.run(params, query.split_query(q), tokenizer, prefix_single)
            got = {snap.stored(int(i))[F.PATH] for i in ids}
            want = truth[q]
            for kind in ("all", entry.get("kind", "other")):
                s = per.setdefault(kind, Score())
                s.found += len(got & want)
                s.retrieved += len(got)
                s.expected += len(want)
                s.missed_queries += bool(want - got)
                s.noisy_queries += bool(got - want)
            if got != want:
                misses.append(f"    {q}: expected {len(want)}, found {len(got & want)}, "
                              f"extra {len(got - want)}")
        scores[name] = per
        print(f"{name}: indexed {len(docs)} documents in {build_s:.2f} s; "
              f"{len(misses)} queries differ from the exact-substring truth")
        print("\n".join(misses) if misses else "    (none)")
        query.close_all()
    empty = [q for q, want in truth.items() if not want]
    if empty:
        print(f"queries without any expected document: {', '.join(empty)}")
    return scores


def main(content: str | None = None) -> int:
    content_dir = Path(content) if content else REPO_ROOT / "content"
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    docs = content_documents(content_dir)
    print(f"{len(docs)} documents from {content_dir}, {len(queries)} queries")
    with tempfile.TemporaryDirectory() as tmp:
        scores = evaluate(docs, queries, Path(tmp))
    kinds = ["all", *sorted({q.get("kind", "other") for q in queries})]
    print("\n| queries | n | bigram recall | bigram precision | jieba recall | jieba precision |")
    print("|---|---|---|---|---|---|")
    for kind in kinds:
        n = sum(1 for q in queries if kind in ("all", q.get("kind", "other")))
        b, j = scores["bigram"][kind], scores["jieba"][kind]
        print(f"| {kind} | {n} | {b.recall:.3f} | {b.precision:.3f} | "
              f"{j.recall:.3f} | {j.precision:.3f} |")
    print("\n| | bigram | jieba |\n|---|---|---|")
    b, j = scores["bigram"]["all"], scores["jieba"]["all"]
    print(f"| queries missing some expected document | {b.missed_queries} | {j.missed_queries} |")
    print(f"| queries returning unexpected documents | {b.noisy_queries} | {j.noisy_queries} |")
    print(f"| expected / found / returned (summed) | {b.expected} / {b.found} / {b.retrieved} | "
          f"{j.expected} / {j.found} / {j.retrieved} |")
    return 0
