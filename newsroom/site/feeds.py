"""Atom feeds: the latest articles, which the zone and topic feeds narrow (see zones.py, tags.py)."""
import re

from django.contrib.syndication.views import Feed
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, SimplerXMLGenerator, Stylesheet
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
    """Atom, with every text of the feed and its entries made writable as XML, and the
    stylesheet that shows it to a person who opens it in a browser (static/feed.xsl).

    Served as application/xml: Chromium shows application/atom+xml as raw text and applies
    an XSL stylesheet only to the plain XML types, while feed readers read the document
    itself (the pages announce it as application/atom+xml in their <link rel=alternate>).
    """

    content_type = "application/xml; charset=utf-8"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{k: xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **{k: xml_text(v) for k, v in kwargs.items()})

    def write(self, outfile, encoding):
        # Atom1Feed.write with the stylesheets, which Django writes only into RSS; the
        # processing instruction must come before the first element.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", str(stylesheet))
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class LatestFeed(Feed):
    feed_type = XmlSafeAtomFeed
    subtitle = SITE_TAGLINE

    def title(self, obj=None):
        return str(SITE_NAME)

    def stylesheets(self, obj=None):
        # Through static(): in production the file has a hashed name (collectstatic).
        return [Stylesheet(static("feed.xsl"), mimetype="text/xsl", media="screen")]

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
        # In the site's time zone: the same instant, written with +08:00, so that the date
        # part the feed page shows (static/feed.xsl) is the date in Beijing.
        return timezone.localtime(item.publish_at)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topic_links]
