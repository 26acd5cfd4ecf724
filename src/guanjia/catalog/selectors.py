"""Reads of the service catalog."""

from dataclasses import dataclass

from guanjia.catalog.models import ORDERABLE, ServiceCategory, ServiceGroup


@dataclass
class CatalogGroup:
    code: str
    label: str
    categories: list[ServiceCategory]


def catalog_for_residents() -> list[CatalogGroup]:
    """Active services grouped as residents know them (三有 first, then 三管), common ones first."""
    by_group: dict[str, list[ServiceCategory]] = {}
    orderable = ServiceCategory.objects.filter(ORDERABLE, active=True)
    for category in orderable.order_by("sort_order", "code"):
        by_group.setdefault(category.group, []).append(category)
    return [
        CatalogGroup(code=g.value, label=str(g.label), categories=by_group[g.value])
        for g in ServiceGroup
        if g.value in by_group
    ]


def category_by_code(code: str) -> ServiceCategory | None:
    return ServiceCategory.objects.filter(code=code).first()


def catalog_active() -> list[ServiceCategory]:
    """Every active service residents may order, in catalog order (the catalog is small: one
    query, no paging)."""
    return list(
        ServiceCategory.objects.filter(ORDERABLE, active=True).order_by("sort_order", "code")
    )
