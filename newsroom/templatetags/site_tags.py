"""Template helpers for the public site: names, bylines, excerpts, safe JSON-LD."""
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.card_html import bylines_html, prefixed, render_cards, render_meta
from articles.topics import tag_url as topic_url
from newsroom.identity import SITE_NAME, SITE_TAGLINE
from newsroom.images.html import framed_picture
from newsroom.links import link as page_link

register = template.Library()


@register.simple_tag(name="link")
def link(viewname, **kwargs):
    """{% url %} for the site's own pages, reversed once per process (newsroom.links): the
    header and footer name the same seven URLs on every page."""
    return page_link(viewname, **kwargs)

# The same escapes as django.utils.html.json_script: inside <script>, "</script>" or
# "<!--" in a headline must not end the element, so <, > and & become \u escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def site_name():
    return SITE_NAME


@register.simple_tag
def site_tagline():
    return SITE_TAGLINE


@register.simple_tag(takes_context=True)
def article_cards(context, articles, *, lead=False, level=3, show_excerpt=False, show_issue=False, item=""):
    """The cards of a list, from the HTML stored with each article (articles.card_html); on a
    preview page (`preview` in the context) rendered live and linked to the previews."""
    return render_cards(
        articles, lead=lead, item=item, level=level, show_excerpt=show_excerpt, show_issue=show_issue,
        preview=bool(context.get("preview")),
    )


@register.simple_tag(name="picture")
def picture_tag(image, shape="original", *, sizes="100vw", lazy=True, priority=False):
    """{% picture image "wide" sizes="…" lazy=False %}: the image's <picture> from the renditions
    that are ready, else its master at its natural size; nothing for no image. Lazy unless the
    page shows it above the fold; `priority` for the one picture a page is about (its LCP)."""
    return framed_picture(image, shape=shape, sizes=sizes, lazy=lazy, priority=priority)


@register.simple_tag
def card_meta(article, show_issue=False):
    """The line under a card's headline, for lists whose headline is their own (search hits)."""
    return render_meta(article, card_bylines(article), show_issue=show_issue)


@register.simple_tag
def card_bylines(article):
    """The byline's people as the article's card stores them."""
    if article.card_html:
        return mark_safe(prefixed({"bylines": article.card_html["bylines"]})["bylines"])
    return bylines_html(article.card.get("bylines", []))


@register.filter
def tag_url(tag):
    """The topic's page; empty for a slug no URL can carry, so the name shows unlinked."""
    return topic_url(tag) or ""


@register.filter(is_safe=True)
def json_ld(value):
    """A <script type="application/ld+json"> element; json_script only emits application/json."""
    data = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    """An absolute URL for `path` (default: this page, keeping only ?page=N past page 1)."""
    request = context["request"]
    if path is None:
        path = request.path
        page = request.GET.get("page")
        if page and page.isdigit() and page != "1":
            path = f"{path}?page={page}"
    return request.build_absolute_uri(path)
