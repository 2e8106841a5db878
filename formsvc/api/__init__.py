"""The JSON API under /api/v1/ (the 12345 hotline, mobile apps, tests), all of it here.

One module per resource, each with its routes and, beside them, the ``PATHS`` and ``SCHEMAS``
of its part of the OpenAPI document (``openapi.py`` merges them and serves the document):

    messages.py     POST /messages, /track, /rate
    kinds.py        GET /kinds
    departments.py  GET /departments
    letters.py      GET /letters, /letters/<id>
    stats.py        GET /stats
    search.py       GET /search
    health.py       GET /healthz
    surveys.py      GET /surveys, /surveys/<slug>, /surveys/<slug>/results; POST /surveys/<slug>/answers
    work_orders.py  POST and GET /work-orders (the 12345 exchange), /work-orders/schema.json
    on_behalf.py    GET /messages/<tracking_number> (a key reads what it submitted)
    openapi.py      GET /openapi.json
    resources.py    the list of them all, in the document's order
    open311.py      Open311 GeoReport v2 under /open311/v2/ (its own blueprint, same keys)

A request may carry a trusted system's key (``Authorization: Bearer``): formsvc/web/api_keys.py.
The HTML pages live in the feature packages (public/, letters/, search/, staff/).
"""

from formsvc.api import open311, openapi  # noqa: F401  (openapi: GET /openapi.json)
from formsvc.api.blueprint import bp
from formsvc.api.resources import RESOURCES  # the resources' routes register on import
from formsvc.web import api_keys

# Authorization: Bearer <key> on every route of the API (formsvc/web/api_keys.py)
api_keys.init_blueprint(bp)
api_keys.init_blueprint(open311.bp)
open311_bp = open311.bp

__all__ = ["RESOURCES", "bp", "open311_bp"]
