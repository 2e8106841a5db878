"""The site search page, ``/search`` (HTML in the portal's look; the JSON is in api/search.py).

Where the indexes are and how published letters get into the search: formsvc/services/search.py.
"""

from __future__ import annotations

from formsvc.search.views import bp

__all__ = ["bp"]
