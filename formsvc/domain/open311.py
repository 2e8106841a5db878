"""Open311 GeoReport v2: the one table of which message kinds are Open311 services and how the
message statuses read as Open311's two (``open``/``closed``).

``/open311/v2/`` (formsvc/api/open311.py), its query (formsvc/services/open311.py), the OpenAPI
document and docs/api.md all read these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from formsvc.domain import kinds


@dataclass(frozen=True)
class Service:
    kind: str  # the message kind this service files into (service_code is the kind's code)
    group: str
    keywords: tuple[str, ...]


# Kinds offered as Open311 services. 依申请公开 is not one: it needs the applicant's identity
# fields and the applicant's confirmation of the request (Art. 31), which GeoReport cannot carry;
# a kind missing here is neither listed, nor accepted by POST, nor shown by GET requests.
SERVICES: tuple[Service, ...] = (
    Service("zx", "咨询求助", ("咨询", "政策", "办事")),
    Service("jy", "意见建议", ("建议", "意见")),
    Service("ts", "投诉", ("投诉", "服务", "违规")),
    Service("tz", "招商引资", ("投资", "招商", "项目")),
)
SERVICES_BY_CODE: dict[str, Service] = {s.kind: s for s in SERVICES}

OPEN = "open"
CLOSED = "closed"
# lifecycle status → Open311 status. A replied message counts as closed: the department has
# answered (GeoReport's "resolved"); a rejected one is closed too. The status_notes field
# carries the citizen's own label of the status (lifecycle.STATUS_LABELS).
STATUSES: dict[str, str] = {
    "submitted": OPEN,
    "assigned": OPEN,
    "replied": CLOSED,
    "closed": CLOSED,
    "rejected": CLOSED,
}


def statuses_of(open311_status: str) -> list[str]:
    """The lifecycle statuses that read as ``open311_status``."""
    return [status for status, mapped in STATUSES.items() if mapped == open311_status]


def service_dict(service: Service) -> dict[str, object]:
    """A service as ``GET services.json`` lists it (GeoReport v2 fields)."""
    kind = kinds.KINDS_BY_CODE[service.kind]
    return {"service_code": kind.code, "service_name": kind.label,
            "description": kind.description, "metadata": False, "type": "realtime",
            "keywords": ",".join(service.keywords), "group": service.group}
