"""Zone pages: the directory grouped by province, one zone's articles, and its Atom feed."""
from django.shortcuts import get_object_or_404, render
from django.urls import path

from articles.models import Article
from newsroom.identity import SITE_NAME
from newsroom.site.feeds import LatestFeed
from newsroom.site.pagination import paginate
from newsroom.text.slugs import in_pinyin_order
from zones.models import Zone

app_name = "zones"

PROVINCES_PER_PAGE = 8


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
        .annotate(article_count=Article.objects.published_count("zones"))
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
    page_obj = paginate(request, Article.objects.latest_cards().filter(zones=zone))
    return render(request, "zones/zone_detail.html", {"zone": zone, "page_obj": page_obj})


class ZoneFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Zone, slug=slug)

    def title(self, obj=None):
        return f"{SITE_NAME} · {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.latest_cards().filter(zones=obj)


urlpatterns = [
    path("", zone_index, name="index"),
    path("<slug:slug>/", zone_detail, name="detail"),
    path("<slug:slug>/feed/", ZoneFeed(), name="feed"),
]
