"""Zone pages: the directory grouped by province, one zone's articles, and its Atom feed."""
from django.shortcuts import get_object_or_404, render
from django.urls import path

from articles.models import Article
from newsroom.identity import SITE_NAME
from newsroom.site.counts import cached
from newsroom.site.feeds import LatestFeed
from newsroom.site.pagination import paginate
from newsroom.text.slugs import in_pinyin_order
from zones.models import Zone

app_name = "zones"

PROVINCES_PER_PAGE = 8


def _group_by_province(zones, provinces) -> list[tuple[str, list[Zone]]]:
    groups: dict[str, list[Zone]] = {name: [] for name in provinces}
    for zone in zones:
        groups[zone.province].append(zone)
    return list(groups.items())


def zone_index(request):
    """Paginated by province, so that no province is split across two pages.

    The directory is a few hundred rows, read whole; the article counts come from the count
    cache, since counting every zone's articles on each request grows with the archive.
    """
    zones = list(Zone.objects.only("name", "province", "slug").order_by("slug"))  # the slug is the name in pinyin
    provinces = in_pinyin_order({zone.province for zone in zones})
    page_obj = paginate(request, provinces, per_page=PROVINCES_PER_PAGE)
    on_page = set(page_obj.object_list)
    counts = cached("zones", lambda: Article.objects.published_tally("zones"), request=request)
    for zone in zones:
        zone.article_count = counts.get(zone.pk, 0)
    # The whole province list links to the page that holds each province.
    province_pages = [(name, i // PROVINCES_PER_PAGE + 1) for i, name in enumerate(provinces)]
    context = {
        "page_obj": page_obj,
        "groups": _group_by_province([z for z in zones if z.province in on_page], page_obj.object_list),
        "province_pages": province_pages,
    }
    return render(request, "zones/zone_index.html", context)


def zone_detail(request, slug):
    zone = get_object_or_404(Zone, slug=slug)
    page_obj = paginate(request, Article.objects.latest_cards().filter(zones=zone), count_key=f"zone:{zone.pk}")
    return render(request, "zones/zone_detail.html", {"zone": zone, "page_obj": page_obj})


class ZoneFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Zone, slug=slug)

    def title(self, obj=None):
        return f"{SITE_NAME} · {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.latest().filter(zones=obj)


urlpatterns = [
    path("", zone_index, name="index"),
    path("<slug:slug>/", zone_detail, name="detail"),
    path("<slug:slug>/feed/", ZoneFeed(), name="feed"),
]
