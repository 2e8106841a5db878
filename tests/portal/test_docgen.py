"""docs/content-model.md is generated from the schema: the committed doc must match."""

from __future__ import annotations

from portal import docgen, schema


def test_committed_doc_matches_generator() -> None:
    current = docgen.DOC_PATH.read_text(encoding="utf-8")
    assert docgen.BEGIN in current and docgen.END in current
    assert current == docgen.render_doc(current), (
        "docs/content-model.md is out of date: run `python -m portal.docgen --write`")


def test_every_field_of_every_type_is_documented() -> None:
    text = docgen.generate()
    for t in schema.DOC_TYPES:
        assert f"（`{t.name}`）" in text
        for f in t.fields:
            assert f"| `{f.key}` | {f.label} |" in text


def test_render_doc_is_idempotent() -> None:
    once = docgen.render_doc(f"intro\n{docgen.BEGIN}\nold\n{docgen.END}\ntail\n")
    assert docgen.render_doc(once) == once
    assert once.startswith("intro\n") and once.endswith(f"{docgen.END}\ntail\n")
