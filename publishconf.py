"""Production build settings: ``pelican content -s publishconf.py``.

Only what differs from pelicanconf.py lives here: the real origin for absolute links in feeds and
the sitemap, and a clean output directory so deleted documents disappear from the server.
"""

from __future__ import annotations

import os

from pelicanconf import *  # noqa: F403 (installed with the project: pyproject's py-modules)
from pelicanconf import SITE_DOMAIN

SITEURL = os.environ.get("PORTAL_SITEURL", f"https://{SITE_DOMAIN}")
FEED_DOMAIN = SITEURL
DELETE_OUTPUT_DIRECTORY = True
# Keep uploaded search index and service files when the output is wiped.
OUTPUT_RETENTION = [".well-known"]
