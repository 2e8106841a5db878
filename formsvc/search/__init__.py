"""Site search: ``/search`` (HTML in the portal's look) and ``/api/v1/search`` (JSON).

Register with ``app.register_blueprint(formsvc.search.bp)``. Where the indexes are and how
published letters get into the search: formsvc/services/search.py (``SEARCH_INDEX_DIR``,
``SEARCH_LETTERS_DIR``).
"""

from __future__ import annotations

from formsvc.search.views import bp

__all__ = ["bp"]
