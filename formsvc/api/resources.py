"""Every resource module of the API, in the order of the OpenAPI document.

Importing them registers their routes on the blueprint; each one's ``PATHS`` and ``SCHEMAS`` are
its part of the document, which ``openapi.py`` merges. A module of its own so that ``openapi``
can read the list without importing the package that imports ``openapi`` (no import loop).
"""

from formsvc.api import (
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

RESOURCES = (kinds, departments, messages, letters, stats, search, health, work_orders, open311,
             participation, surveys, on_behalf)
