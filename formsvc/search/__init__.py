"""Site search: ``/search`` (HTML in the portal's look) and ``/api/v1/search`` (JSON).

Register with ``app.register_blueprint(formsvc.search.bp)``. Config keys (all optional):

    SEARCH_INDEX_DIR    the site index written by the Pelican build (plugins/searchindex);
                        default <OUTPUT_DIR>/_search, i.e. <repo>/output/_search
    SEARCH_LETTERS_DIR  the index of published public letters, written by formsvc itself;
                        default <instance>/search-letters

The workbench makes a letter searchable with ``publish_letter(letter)`` right after the transaction
that publishes it has committed, and ``unpublish_letter(letter_id)`` when it is withdrawn.
"""

from __future__ import annotations

from formsvc.search.views import (
    bp,
    index_dir,
    letters_dir,
    publish_letter,
    unpublish_letter,
)

__all__ = ["bp", "index_dir", "letters_dir", "publish_letter", "unpublish_letter"]
