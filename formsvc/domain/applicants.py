"""Who applies for government information, as the annual report counts them.

《政府信息公开条例》 Art. 27 names 公民、法人或者其他组织; the national annual-report template
(国务院办公厅政府信息公开办公室, 2019) counts requests in six columns: 自然人, and 法人或其他组织
split into 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他. The form, the API, the migration of
older records and the report all read these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CITIZEN = "citizen"
ORGANIZATION = "organization"
APPLICANT_TYPES: tuple[tuple[str, str], ...] = ((CITIZEN, "自然人"), (ORGANIZATION, "法人或其他组织"))

# 法人或其他组织 by what the report calls them; "other" is where an unknown organisation goes.
ORG_OTHER = "other"
ORG_TYPES: tuple[tuple[str, str], ...] = (
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("public_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    (ORG_OTHER, "其他"),
)

# The report's applicant columns in the template's order, code → heading.
REPORT_COLUMNS: tuple[tuple[str, str], ...] = ((CITIZEN, "自然人"), *ORG_TYPES)


def report_column(details: Mapping[str, Any] | None) -> str:
    """The report column of a request from its ``details`` (an organisation of no known type
    and a request without an applicant type, from before the form asked, count as 其他)."""
    details = details or {}
    if details.get("applicant_type") == CITIZEN:
        return CITIZEN
    org_type = details.get("org_type")
    return org_type if org_type in dict(ORG_TYPES) else ORG_OTHER
