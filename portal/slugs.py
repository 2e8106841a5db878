"""The form of a document's file name (its slug, part of its URL): one regex for the checker,
scaffolding and the API documents that take a slug."""

import re
from functools import cache

# lower-case letters, digits and hyphens, not starting with a hyphen
_FIRST, _REST = "[a-z0-9]", "[a-z0-9-]"


@cache
def pattern(max_len: int | None = None) -> re.Pattern[str]:
    """The slug regex, with at most ``max_len`` characters when given (a survey's: 63).

    Use it with ``fullmatch``: ``$`` also matches before a final newline, so ``match`` would take
    ``"a\\n"``. The pattern keeps ``^…$`` for the API documents, which print it as an ECMA regex
    (tests/test_whole_match.py finds any ``.match`` on such a pattern)."""
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
        raise ValueError(f"max_len must be a positive int, not {max_len!r}")
    rest = "*" if max_len is None else f"{{0,{max_len - 1}}}"
    return re.compile(f"^{_FIRST}{_REST}{rest}$")


SLUG_RE = pattern()
