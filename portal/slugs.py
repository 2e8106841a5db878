"""The form of a document's file name (its slug, part of its URL): one regex for the checker,
scaffolding and the API documents that take a slug."""

import re

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
