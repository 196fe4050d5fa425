"""The ticket catalog: categories citizens pick, what each unit serves, each region's fallback.

Categories are one list for every region, kept by the admin: created, renamed (or re-described,
re-ordered), retired and reinstated. A retired category takes no new tickets; the tickets that
name it keep it and go on through the loop as before, and rules that name only retired
categories are flagged as never matching.

What a unit serves (category × region) and which unit takes a region's unrouted tickets are set
by the admin, or by a supervisor for the units and regions of their own region. Each change is
one transaction with an event, and answers with the published rules' warnings that concern it
(a rule sending work to a unit that no longer serves it, a rule that can no longer match), so
whoever made the change sees what it broke; the published set shows the same warnings, live.

The modules: `categories`, `service_areas`, `region_fallbacks`, and `common` (views, scope,
events, the live warnings).
"""

from doorstep.services.ticket_catalog.categories import (
    create_category,
    list_categories,
    set_category_active,
    update_category,
)
from doorstep.services.ticket_catalog.common import (
    CategoryView,
    RegionView,
    UnitAreasView,
    UnitInfo,
)
from doorstep.services.ticket_catalog.region_fallbacks import regions, set_region_fallback
from doorstep.services.ticket_catalog.service_areas import (
    set_unit_service_areas,
    unit_service_areas,
)

__all__ = [
    "CategoryView",
    "RegionView",
    "UnitAreasView",
    "UnitInfo",
    "create_category",
    "list_categories",
    "regions",
    "set_category_active",
    "set_region_fallback",
    "set_unit_service_areas",
    "unit_service_areas",
    "update_category",
]
