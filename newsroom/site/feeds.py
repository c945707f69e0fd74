"""Atom feeds: the latest articles, which the zone and topic feeds narrow (see zones.py, tags.py)."""
import re

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article
from newsroom.identity import SITE_NAME, SITE_TAGLINE

FEED_ITEMS = 20
# Characters XML 1.0 cannot carry at all: C0 controls but tab and newlines, surrogates,
# U+FFFE and U+FFFF. One stored in a headline or a topic would stop the whole feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return [xml_text(v) for v in value]
    return value


class XmlSafeAtomFeed(Atom1Feed):
    """Atom, with every text of the feed and its entries made writable as XML."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{k: xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **{k: xml_text(v) for k, v in kwargs.items()})


class LatestFeed(Feed):
    feed_type = XmlSafeAtomFeed
    subtitle = SITE_TAGLINE

    def title(self, obj=None):
        return str(SITE_NAME)

    def link(self, obj=None):
        return reverse("home")

    def articles(self, obj):
        return Article.objects.latest()

    def items(self, obj=None):
        return self.articles(obj)[:FEED_ITEMS]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # Atom1Feed declares the summary type="html", so the plain-text excerpt is escaped
        # into HTML: a reader then shows `<img onerror=…>` typed in a 导语 as those
        # characters, never as markup. (Titles, names and categories are type text.)
        return escape(item.excerpt(length=200))

    def item_author_name(self, item):
        return "、".join(item.byline_names()) or None

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topic_links]
