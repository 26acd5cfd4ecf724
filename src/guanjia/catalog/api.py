"""JSON API: what can be ordered."""

from django.http import HttpRequest
from ninja import Router

from guanjia.catalog.models import ServiceCategory, ServiceGroup
from guanjia.catalog.schemas import ServiceOut, attributes_out
from guanjia.catalog.selectors import catalog_active
from guanjia.core.problems import problems

router = Router(tags=["catalog"])


def _service_out(c: ServiceCategory) -> ServiceOut:
    return ServiceOut(
        code=c.code,
        name=c.name,
        name_en=c.name_en,
        description=c.description,
        group=c.group,
        group_label=str(ServiceGroup(c.group).label) if c.group in ServiceGroup.values else c.group,
        frequency=c.frequency,
        dispatch_mode=c.dispatch_mode,
        handler_kind=c.handler_kind,
        site_visit=c.site_visit,
        life_safety=c.life_safety,
        after_photo_required=c.after_photo_required,
        accept_minutes=c.accept_minutes,
        arrive_minutes=c.arrive_minutes if c.site_visit else None,
        resolve_minutes=c.resolve_minutes,
        fee=c.fee,
        fee_note=c.fee_note,
        attributes=attributes_out(c.attributes or []),
    )


@router.get("/services", response={200: list[ServiceOut], **problems(401, 422)})
def services_list(request: HttpRequest) -> list[ServiceOut]:
    """The active services, common ones first, with their intake attributes."""
    return [_service_out(c) for c in catalog_active()]
