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
    open311.py      Open311 GeoReport v2 under /open311/v2/ (its own blueprint, same keys)

A request may carry a trusted system's key (``Authorization: Bearer``): formsvc/web/api_keys.py.
The HTML pages live in the feature packages (public/, letters/, search/, staff/).
"""

from formsvc.api import (  # routes register on import
    departments,
    health,
    kinds,
    letters,
    messages,
    on_behalf,
    open311,
    participation,
    search,
    stats,
    surveys,
    work_orders,
)

# Every resource module, in the order of the OpenAPI document: each one's PATHS and SCHEMAS are its
# part (openapi.py merges them, and imports this tuple: so it is set before openapi is imported).
RESOURCES = (kinds, departments, messages, letters, stats, search, health, work_orders, open311,
             participation, surveys, on_behalf)

from formsvc.api import openapi  # noqa: E402, F401  (after RESOURCES, which it reads)
from formsvc.api.blueprint import bp  # noqa: E402
from formsvc.web import api_keys  # noqa: E402

# Authorization: Bearer <key> on every route of the API (formsvc/web/api_keys.py)
api_keys.init_blueprint(bp)
api_keys.init_blueprint(open311.bp)
open311_bp = open311.bp

__all__ = ["bp", "open311_bp"]
