"""Public zone pages: the directory grouped by province, and one zone's articles."""
from django.shortcuts import get_object_or_404, render

from articles.public import latest_article_cards, paginate, published_count
from newsroom.text.slugs import pinyin_slug
from zones.models import Zone

PROVINCES_PER_PAGE = 8


def in_pinyin_order(names) -> list[str]:
    # Readers look provinces up alphabetically by pinyin (安徽, 北京, 重庆…), not by code point.
    return sorted(names, key=lambda name: (pinyin_slug(name), name))


def _provinces() -> list[str]:
    return in_pinyin_order(Zone.objects.order_by().values_list("province", flat=True).distinct())


def _group_by_province(zones, provinces) -> list[tuple[str, list[Zone]]]:
    groups: dict[str, list[Zone]] = {name: [] for name in provinces}
    for zone in zones:
        groups[zone.province].append(zone)
    return list(groups.items())


def zone_index(request):
    """Paginated by province, so that no province is split across two pages."""
    provinces = _provinces()
    page_obj = paginate(request, provinces, per_page=PROVINCES_PER_PAGE)
    zones = (
        Zone.objects.filter(province__in=page_obj.object_list)
        .annotate(article_count=published_count("zones"))
        .order_by("slug")  # the slug is the name in pinyin
    )
    # The whole province list links to the page that holds each province.
    province_pages = [(name, i // PROVINCES_PER_PAGE + 1) for i, name in enumerate(provinces)]
    context = {
        "page_obj": page_obj,
        "groups": _group_by_province(zones, page_obj.object_list),
        "province_pages": province_pages,
    }
    return render(request, "zones/zone_index.html", context)


def zone_detail(request, slug):
    zone = get_object_or_404(Zone, slug=slug)
    page_obj = paginate(request, latest_article_cards().filter(zones=zone))
    return render(request, "zones/zone_detail.html", {"zone": zone, "page_obj": page_obj})
