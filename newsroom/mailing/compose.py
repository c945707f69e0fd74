"""The messages: an issue, a digest and a confirmation, as table-based HTML with the CSS
inlined (templates/email/email.css) and a plain-text alternative.

Emails are built on the worker, off any request, so every link is absolute
(newsroom.mailing.absolute). An issue is rendered once per mailing with placeholders where
each subscriber's own links go; render_for() only replaces them.
"""
import functools
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article
from newsroom.identity import SITE_NAME, SITE_TAGLINE
from newsroom.images import html as image_html
from newsroom.links import link
from newsroom.mailing import tokens
from newsroom.mailing.absolute import absolute

# Stand-ins for a subscriber's own links in an issue rendered once for everyone. Characters
# no URL, escaping or the inliner changes, and no headline is likely to contain.
MANAGE_PLACEHOLDER = "@@MANAGE-URL@@"
UNSUBSCRIBE_PLACEHOLDER = "@@UNSUBSCRIBE-URL@@"

# The 600-pixel column less its 24-pixel paddings: the width a lead image is shown at.
IMAGE_WIDTH = 552
# The JPEG rendition nearest this width is sent: sharp on a phone, light enough for mail.
IMAGE_SOURCE_WIDTH = 960


@dataclass(frozen=True)
class EmailImage:
    url: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class Item:
    """One article as an email lists it."""

    url: str
    kicker: str
    headline: str
    summary: str
    image: EmailImage | None


@dataclass(frozen=True)
class IssueParts:
    """An issue's message, rendered once: the per-subscriber links are still placeholders."""

    issue: object
    subject: str
    html: str
    text: str
    article_count: int


# --- headers


def list_headers(sub) -> dict:
    """RFC 2369 and RFC 8058: the one-click unsubscribe that Gmail and Yahoo show as a button."""
    url = unsubscribe_url(sub)
    targets = [f"<{url}>"]
    mailto = getattr(settings, "NEWSROOM_UNSUBSCRIBE_MAILTO", "")
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<{list_id()}>",
    }


def list_id() -> str:
    host = settings.NEWSROOM_SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"newsletter.{host}"


def manage_url(sub) -> str:
    return absolute(link("subscribe_manage", token=tokens.manage_token(sub)))


def unsubscribe_url(sub) -> str:
    return absolute(link("unsubscribe", token=tokens.manage_token(sub)))


# --- the pieces every message shares


def article_items(articles) -> list[Item]:
    return [
        Item(
            url=absolute(article.get_absolute_url()),
            kicker=article.kicker,
            headline=article.headline,
            summary=article.summary,
            image=lead_image(article.lead_image),
        )
        for article in articles
    ]


def lead_image(image) -> EmailImage | None:
    """The 16:9 JPEG once the worker has made it; never the master, which can be megabytes."""
    if image is None or not image.renditions_of("wide").get("jpeg"):
        return None
    url, width, height = image_html.best_url(image, shape="wide", width=IMAGE_SOURCE_WIDTH)
    if not url.startswith(("http://", "https://")):
        url = absolute(url)
    return EmailImage(url=url, width=IMAGE_WIDTH, height=round(IMAGE_WIDTH * height / width), alt=image.alt)


def issue_articles(issue):
    """The issue's articles as its page orders them. Only the published: never a draft."""
    return (
        Article.objects.published().filter(issue=issue).select_related("lead_image")
        .defer("body", "search_text", "plain_text", "card", "card_html").order_by("position", "id")
    )


def base_context(*, reason: str, manage: str = "", unsubscribe: str = "") -> dict:
    return {
        "site_name": SITE_NAME,
        "site_tagline": SITE_TAGLINE,
        "home_url": absolute("/"),
        "reason": reason,
        "manage_url": manage,
        "unsubscribe_url": unsubscribe,
    }


@functools.lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # The stylesheet is read once per process. keep_at_rules leaves the phone media query in
    # <style> (it cannot be inlined); nothing is fetched from the network.
    css = render_to_string("email/email.css")
    return css_inline.CSSInliner(extra_css=css, keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return _inliner().inline(html)


def render_pair(template: str, context: dict) -> tuple[str, str]:
    """(html with the CSS inlined, plain text) of templates/email/<template>.html and .txt."""
    html = inline_css(render_to_string(f"email/{template}.html", context))
    text = render_to_string(f"email/{template}.txt", context)
    return html, text


def message(*, subject: str, text: str, html: str, to: str, headers: dict | None = None) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers or {})
    mail.attach_alternative(html, "text/html")
    return mail


# --- the issue


def issue_subject(issue) -> str:
    subject = _("%(site)s 第%(number)s期") % {"site": SITE_NAME, "number": issue.number}
    return f"{subject} · {issue.title}" if issue.title else subject


def issue_parts(issue, *, articles=None) -> IssueParts:
    """The issue's message for everyone, rendered once per mailing."""
    items = article_items(issue_articles(issue) if articles is None else articles)
    subject = issue_subject(issue)
    context = {
        **base_context(
            reason=_("你收到这封邮件，是因为你用这个地址订阅了本刊，并点击确认链接确认了订阅。"),
            manage=MANAGE_PLACEHOLDER, unsubscribe=UNSUBSCRIBE_PLACEHOLDER,
        ),
        "subject": subject,
        "preheader": "；".join(item.headline for item in items[:3]),
        "issue": issue,
        "issue_url": absolute(issue.get_absolute_url()),
        "items": items,
    }
    html, text = render_pair("issue", context)
    return IssueParts(issue=issue, subject=subject, html=html, text=text, article_count=len(items))


def render_for(parts: IssueParts, sub) -> tuple[str, str]:
    """(html, text) of the issue for one subscriber: their own links in place of the placeholders."""
    manage, unsubscribe = manage_url(sub), unsubscribe_url(sub)

    def fill(body: str) -> str:
        return body.replace(MANAGE_PLACEHOLDER, manage).replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe)

    return fill(parts.html), fill(parts.text)


def issue_message(issue, *, to: str, sub, articles=None, parts: IssueParts | None = None) -> EmailMultiAlternatives:
    """The issue for `sub`; with sub=None, the editor's test copy: 测试邮件 in the subject, no
    unsubscribe header, and no subscriber's links."""
    parts = parts or issue_parts(issue, articles=articles)
    if sub is None:
        html, text = _without_subscriber_links(parts)
        return message(subject=_("【测试邮件】") + parts.subject, text=text, html=html, to=to)
    html, text = render_for(parts, sub)
    return message(subject=parts.subject, text=text, html=html, to=to, headers=list_headers(sub))


def _without_subscriber_links(parts: IssueParts) -> tuple[str, str]:
    # The test copy goes to an editor, who has no subscription: the links lead to the
    # subscribe page, so that the editor can still see where they would go.
    page = absolute(link("subscribe"))
    return tuple(
        body.replace(MANAGE_PLACEHOLDER, page).replace(UNSUBSCRIBE_PLACEHOLDER, page)
        for body in (parts.html, parts.text)
    )


# --- the confirmation and the digest


def confirmation_message(sub) -> EmailMultiAlternatives:
    url = absolute(link("subscribe_confirm", token=tokens.confirm_token(sub)))
    subject = _("请确认订阅《%(site)s》") % {"site": SITE_NAME}
    context = {
        **base_context(reason=_("有人（可能就是你）在本刊网站用这个地址申请了订阅。")),
        "subject": subject,
        "confirm_url": url,
        "days": tokens.CONFIRM_MAX_AGE.days if hasattr(tokens.CONFIRM_MAX_AGE, "days")
        else tokens.CONFIRM_MAX_AGE // 86400,
    }
    html, text = render_pair("confirmation", context)
    return message(subject=subject, text=text, html=html, to=sub.email)


def digest_message(sub, articles) -> EmailMultiAlternatives:
    items = article_items(articles)
    subject = _("%(site)s · 你关注的 %(count)s 篇新文章") % {"site": SITE_NAME, "count": len(items)}
    context = {
        **base_context(
            reason=_("你收到这封邮件，是因为你订阅了本刊并选择了关注的高新区或话题；提醒每天最多一封。"),
            manage=manage_url(sub), unsubscribe=unsubscribe_url(sub),
        ),
        "subject": subject,
        "preheader": "；".join(item.headline for item in items[:3]),
        "day": timezone.localdate(),
        "items": items,
    }
    html, text = render_pair("digest", context)
    return message(subject=subject, text=text, html=html, to=sub.email, headers=list_headers(sub))
