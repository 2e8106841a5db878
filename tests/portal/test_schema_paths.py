"""schema's type and slug of a path read from the string are what ``PurePosixPath`` makes of it."""

from __future__ import annotations

import itertools
from pathlib import PurePosixPath

import pytest

from portal import schema

PIECES = ["", ".", "..", "pages", "xxgk", "wj", "zwdt", "tzgg", "a.md", ".md", "b.", ".hidden.md",
          "x.tar.gz", "关于印发.md", "c"]


def _pathlib_type(relpath: str) -> schema.DocType | None:
    parts = PurePosixPath(relpath).parts
    for dparts, t in schema._BY_DIRECTORY:
        if len(parts) > len(dparts) and parts[: len(dparts)] == dparts:
            return t
    return None


def _pathlib_slug(doc_type: schema.DocType, relpath: str) -> str:
    p = PurePosixPath(relpath)
    if doc_type is schema.PAGE:
        return str(p.relative_to(schema.PAGE.directory).with_suffix(""))
    return p.stem


def _outcome(f, *args):
    try:
        return f(*args)
    except ValueError as exc:  # the same refusal either way
        return ("ValueError", type(exc).__name__)


def _paths():
    for n in (1, 2, 3):
        for pieces in itertools.product(PIECES, repeat=n):
            joined = "/".join(pieces)
            yield joined
            yield "/" + joined
            yield joined + "/"
            yield "./" + joined
    for t in schema.DOC_TYPES:
        for tail in ("a.md", "sub/a.md", "a", ".md", "a./", "./a.md", "sub//a.md", "a/."):
            yield f"{t.directory}/{tail}"
        yield t.directory


@pytest.mark.parametrize("doc_type", [schema.PAGE, schema.NEWS])
def test_slug_and_type_of_every_kind_of_path(doc_type):
    for relpath in _paths():
        assert schema.doc_type_for(relpath) is _pathlib_type(relpath), relpath
        assert _outcome(schema.slug_for, doc_type, relpath) == _outcome(_pathlib_slug, doc_type, relpath), relpath
        assert _outcome(schema.slug_for, doc_type, PurePosixPath(relpath)) == _outcome(
            _pathlib_slug, doc_type, PurePosixPath(relpath)), relpath
