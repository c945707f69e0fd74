"""The one renderer of an article's card: the HTML of every list item that shows an article.

A list page used to render each card through three nested template includes, with a
reverse() per headline, byline and issue: at 50 cards that was most of an uncached page.
What is the same in every variant of a card (the kicker, the headline's link, the
subheadline, the excerpt and the bylines) is rendered here once, when the article is saved
or its card refreshed, and stored in Article.card_html; a page only joins the stored
fragments with what differs per variant or per reader (the heading level, the date in the
reader's time zone, the issue link). Every value is escaped by format_html, as the
templates escaped it.

The stored fragments depend on the article's own fields, on its stored `card` (bylines)
and on the URL patterns; every path that writes either stores them again (Article.save,
Article.refresh_related, ArticleQuerySet.refresh_cards). Their links are stored as if the
site were served at "/", whatever request or command saved them, and the script prefix of
the request that shows them is put in front (`prefixed`): a site behind a path prefix
serves every reader the same, correct links.
"""
import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from articles.roles import BylineRole
from newsroom.images.html import framed_picture
from newsroom.links import link
from newsroom.models import Issue

# The excerpt under a card's headline (the feed's is longer and is cut from `summary` itself).
CARD_EXCERPT_CHARS = 110
# A card's lead image (16:9): a thumbnail of 12rem beside the text from 40rem up, about a
# third of a phone's width below (site.css .card__picture).
CARD_PICTURE_SIZES = "(min-width: 40rem) 12rem, 30vw"
# The front page's lead card opens with it across its column: about 45rem beside the latest
# articles from 60rem up, the width of the screen less its margins below.
LEAD_PICTURE_SIZES = "(min-width: 60rem) 45rem, calc(100vw - 2rem)"
# CARD_PICTURE_SIZES is stored in the cards and found there by lead_card_picture(): changing
# it needs the cards of articles with a lead image stored again (ArticleQuerySet.refresh_cards).


def stored_fragments(article) -> dict[str, str]:
    """The fragments Article.card_html keeps, from an article with a primary key.

    Uses only plain fields (pk, slug, kicker, headline, subheadline, summary, card) and the
    lead image, which the data migration's historical rows lack, so it can pass them.
    Rendered in the site's language and with links from "/", whatever the request or command
    that saves: the stored HTML is served to every reader, and `prefixed` adds the reader's
    script prefix.
    """
    previous = get_script_prefix()
    set_script_prefix("/")
    try:
        return _fragments(article)
    finally:
        set_script_prefix(previous)


def prefixed(fragments: dict[str, str]) -> dict[str, str]:
    """Stored fragments with the current script prefix in front of their links. Every href in
    them is a site path this module wrote (text is escaped, so `href="/` occurs nowhere else)."""
    prefix = get_script_prefix()
    if prefix == "/":
        return fragments
    return {key: html.replace('href="/', f'href="{prefix}') for key, html in fragments.items()}


def _fragments(article) -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = link("articles:detail", pk=article.pk, slug=article.slug)
        fragments = {
            "kicker": _paragraph("kicker", article.kicker),
            "link": format_html('<a href="{}">{}</a>', url, article.headline),
            "subheadline": _paragraph("subheadline", article.subheadline),
            "excerpt": format_html(
                '<p class="card__excerpt">{}</p>', Truncator(article.summary).chars(CARD_EXCERPT_CHARS)
            ),
            "bylines": bylines_html(article.card.get("bylines", [])),
        }
        # Only a card with a lead image stores one: render_card reads a missing one as none.
        picture = card_picture(article)
        return {**fragments, "picture": picture} if picture else fragments


def card_picture(article) -> str:
    """The lead image of a card, lazy: most cards are below the fold (render_card makes the
    front page's lead card eager). Its <picture> lists the renditions ready when the card is
    stored; the task that makes them stores the cards of the articles it leads again."""
    # The historical rows of the card HTML migration have no lead image field.
    if getattr(article, "lead_image_id", None) is None:
        return ""
    image = framed_picture(article.lead_image, shape="wide", sizes=CARD_PICTURE_SIZES)
    return format_html('<div class="card__picture">{}</div>', image)


def lead_card_picture(html: str) -> str:
    """A stored card picture as the front page's lead shows it: across the column, loaded
    at once and first (it is the largest thing above the fold)."""
    return html.replace(f'sizes="{CARD_PICTURE_SIZES}"', f'sizes="{LEAD_PICTURE_SIZES}"').replace(
        ' loading="lazy" decoding="async"', ' decoding="async" fetchpriority="high"'
    )


def bylines_html(bylines: list[dict]) -> SafeString:
    """The people of a byline: role 作者 shows the name alone; 记者 and 通讯员 are printed
    before the name, as in the paper."""
    def person(byline):
        name = format_html('<a href="{}">{}</a>', link("reporters:detail", slug=byline["slug"]), byline["name"])
        if byline["role"] == BylineRole.AUTHOR:
            return format_html('<span class="byline__person">{}</span>', name)
        label = BylineRole(byline["role"]).label
        return format_html('<span class="byline__person"><span class="byline__role">{}</span> {}</span>', label, name)

    return mark_safe("".join(person(byline) for byline in bylines))


def live_fragments(article, *, preview: bool) -> dict[str, str]:
    """The same fragments from the article as it is now; a preview links to the preview
    page and never shows a stored copy that an unsaved relation change could have outdated."""
    fragments = _fragments(article)
    if preview:
        url = reverse("preview:article", args=[article.pk])
        fragments["link"] = format_html('<a href="{}">{}</a>', url, article.headline)
    return fragments


def render_card(article, *, lead=False, level=3, show_excerpt=False, show_issue=False, preview=False) -> SafeString:
    """One card, byte for byte what templates/includes/article_card.html rendered.

    Cards sit under an <h2> section title, except on the front page's issue, which sits
    under the <h1> (level 2).
    """
    fragments = prefixed(article.card_html) if (article.card_html and not preview) else live_fragments(article, preview=preview)
    tag = "h2" if level == 2 else "h3"
    # A card without a lead image stores no "picture" (nor do those stored before pictures came).
    picture = fragments.get("picture", "")
    if lead and picture:
        picture = lead_card_picture(picture)
    return mark_safe(
        f'<article class="card{" card--lead" if lead else ""}">\n'
        f'  {fragments["kicker"]}\n'
        f"  {picture}\n"
        f'  <{tag} class="card__headline">{fragments["link"]}</{tag}>\n'
        f'  {fragments["subheadline"]}\n'
        f'  {fragments["excerpt"] if show_excerpt else ""}\n'
        f"  {render_meta(article, mark_safe(fragments['bylines']), show_issue=show_issue)}\n"
        "\n</article>\n"
    )


def render_cards(articles, *, lead=False, item="", **variant) -> SafeString:
    """Cards of a list, the first one the lead where `lead`, each in an `item` element if
    given (an <li>). One call for the list: a template loop with a tag per card cost twice
    what rendering the cards did."""
    opening, closing = (f"<{item}>", f"</{item}>") if item else ("", "")
    return mark_safe("\n".join(
        f"{opening}{render_card(article, lead=lead and index == 0, **variant)}{closing}"
        for index, article in enumerate(articles)
    ))


def render_meta(article, bylines: SafeString, *, show_issue=False) -> SafeString:
    """The line under a card's headline: bylines, date, and the issue where `show_issue`.

    The newline before </span> is the one the byline template used to end with, kept so that
    the pages stay byte for byte what they were."""
    byline = format_html('<span class="byline">{}\n</span>', bylines) if bylines else ""
    return mark_safe(
        '<p class="card__meta">\n'
        f"  {byline}\n"
        f"  {_time(article.publish_at)}\n"
        f"  {_issue_link(article) if show_issue and article.issue_id else ''}\n"
        "</p>"
    )


def _time(moment) -> str:
    """The date in the reader's time zone, as the `date` filter gave it. Only digits and
    ASCII punctuation go into it, so there is nothing to escape."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f'<time datetime="{local.strftime("%Y-%m-%dT%H:%M:%S%z")}">{local.year}年{local.month}月{local.day}日</time>'


def _issue_link(article) -> str:
    # A list's rows carry the number (ArticleQuerySet.cards); an article read whole, its issue.
    number = getattr(article, "issue_number", None) or article.issue.number
    return _issue_link_html(number, link("issues:detail", number=number))


@functools.lru_cache(maxsize=4096)
def _issue_link_html(number: int, href: str) -> str:
    """The link to issue `number` at `href` (newsroom.links, which keeps the URL per script
    prefix, URLconf and language), written once per process: a list of 20 cards from 20
    issues otherwise built an Issue and its markup per card."""
    return format_html('<a class="card__issue" href="{}">{}</a>', href, Issue(number=number))


def _paragraph(css_class: str, text: str) -> str:
    return format_html('<p class="{}">{}</p>', css_class, text) if text else ""
