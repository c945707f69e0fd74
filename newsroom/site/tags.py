"""Topic pages and their feeds. Topic slugs are pinyin now, but slugs from before (with
Han characters, which the <slug:> converter would refuse) still reach the views, which
redirect them."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from taggit.models import Tag

from articles.models import Article
from articles.topics import redirect_old_slug
from newsroom.identity import SITE_NAME
from newsroom.site.feeds import LatestFeed
from newsroom.site.pagination import paginate

app_name = "tags"


def tag_detail(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        moved = redirect_old_slug(slug, "tags:detail")
        if moved is None:
            raise Http404
        return moved
    page_obj = paginate(request, Article.objects.latest_cards().filter(tags=tag), count_key=f"tag:{tag.pk}")
    # A topic used only by drafts stays unpublished, like the drafts themselves.
    if not page_obj.paginator.count:
        raise Http404
    return render(request, "tags/tag_detail.html", {"tag": tag, "page_obj": page_obj})


class TagFeed(LatestFeed):
    def get_object(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        if not Article.objects.latest_cards().filter(tags=tag).exists():
            raise Http404
        return tag

    def title(self, obj=None):
        return _("%(site)s · 话题：%(tag)s") % {"site": SITE_NAME, "tag": obj.name}

    def link(self, obj=None):
        return reverse("tags:detail", kwargs={"slug": obj.slug})

    def articles(self, obj):
        return Article.objects.latest().filter(tags=obj)


def tag_feed(request, slug):
    """The topic's feed; a topic's old slug redirects to its feed's current address."""
    try:
        return TagFeed()(request, slug=slug)
    except Http404:
        moved = redirect_old_slug(slug, "tags:feed")
        if moved is None:
            raise
        return moved


urlpatterns = [
    path("<str:slug>/", tag_detail, name="detail"),
    path("<str:slug>/feed/", tag_feed, name="feed"),
]
