"""The emails themselves: confirmation, an issue, a digest.

Each is a table-based HTML page (templates/email/, one base layout) whose CSS is written
once in templates/email/email.css and inlined into every element with css-inline, because
Outlook's Word engine and many webmail clients ignore <style>; plus a plain-text
alternative. Emails are built on the worker, away from any request, so every link is
absolute (newsroom.mailing.absolute).

An issue's email is the same for every reader except two links (管理订阅, 退订). It is
rendered once per mailing (issue_parts) with placeholders where those links go, and each
message fills them in (render_for): 10,000 recipients do not render a template 10,000 times.
"""
import dataclasses
import functools
import re
import uuid
from email.header import Header
from email.utils import formataddr

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
from newsroom.mailing.absolute import absolute
from newsroom.mailing.models import Subscriber
from newsroom.mailing.tokens import CONFIRM_MAX_AGE, confirm_token, manage_token

# The 600-pixel column less its 24-pixel paddings: the width a lead image is shown at.
IMAGE_WIDTH = 552
# The JPEG rendition nearest this width is sent: sharp on a phone, light enough for mail.
IMAGE_SOURCE_WIDTH = 960


def sender() -> str:
    """The From header: the newsletter's name and the configured address."""
    return formataddr((str(SITE_NAME), settings.DEFAULT_FROM_EMAIL))


def manage_url(sub: Subscriber) -> str:
    return absolute(link("subscribe_manage", token=manage_token(sub)))


def unsubscribe_url(sub: Subscriber) -> str:
    return absolute(link("unsubscribe", token=manage_token(sub)))


def list_headers(sub: Subscriber) -> dict:
    """RFC 2369 and RFC 8058 headers: the one-click unsubscribe mail clients show a button for.

    The URL is the POST endpoint itself; a client POSTs `List-Unsubscribe=One-Click` to it.
    """
    target = f"<{unsubscribe_url(sub)}>"
    mailto = settings.NEWSROOM_UNSUBSCRIBE_MAILTO
    if mailto:
        target += f", <mailto:{mailto}?subject=unsubscribe>"
    host = settings.NEWSROOM_SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return {
        "List-Unsubscribe": target,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Only the name is encoded: Django would encode the whole value, <id> included, and
        # a client reading the list's id (RFC 2919) would find none.
        "List-Id": f"{Header(str(SITE_NAME), 'utf-8').encode()} <newsletter.{host}>",
    }


# --- what an email shows of an article


@dataclasses.dataclass(frozen=True)
class EmailImage:
    url: str
    width: int
    height: int
    alt: str


@dataclasses.dataclass(frozen=True)
class Item:
    """One article as an email lists it."""

    url: str
    kicker: str
    headline: str
    summary: str
    image: EmailImage | None


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
    """The 16:9 JPEG once the worker has made it; never the master, which can be megabytes.
    Shown 552 pixels wide from a 960-pixel file, sharp on a phone's screen."""
    if image is None or not image.renditions_of("wide").get("jpeg"):
        return None
    url, width, height = image_html.best_url(image, shape="wide", width=IMAGE_SOURCE_WIDTH)
    if not url.startswith(("http://", "https://")):
        url = absolute(url)
    return EmailImage(url=url, width=IMAGE_WIDTH, height=round(IMAGE_WIDTH * height / width), alt=image.alt)


def issue_articles(issue):
    """What an issue's email lists: its published articles in print order, never a draft."""
    return list(
        Article.objects.published().filter(issue=issue).select_related("lead_image")
        .defer("body", "search_text", "plain_text", "card", "card_html").order_by("position", "id")
    )


# --- rendering


def base_context(*, reason: str, manage: str = "", unsubscribe: str = "") -> dict:
    """What templates/email/base.html and footer.txt show around every message."""
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
    # keep_at_rules leaves the phone media query in <style>, the one thing that cannot be
    # inlined; nothing is fetched from the network.
    # Its comments are for us, not for every reader's inbox.
    css = re.sub(r"/\*.*?\*/", "", render_to_string("email/email.css"), flags=re.DOTALL)
    return css_inline.CSSInliner(extra_css=css, keep_at_rules=True, load_remote_stylesheets=False)


# Outlook on Windows takes only the first font of a stack and, when it is missing, falls
# back to a serif instead of trying the next; only Outlook reads this conditional comment.
OUTLOOK_FONTS = (
    '<!--[if mso]><style>td, p, h1, h2, a { font-family: "Microsoft YaHei", SimSun, sans-serif !important; }'
    "</style><![endif]-->"
)


def render_pair(template: str, context: dict) -> tuple[str, str]:
    """(HTML with the CSS inlined, plain text) of templates/email/<template>.html and .txt."""
    html = _inliner().inline(render_to_string(f"email/{template}.html", context))
    html = html.replace("</head>", OUTLOOK_FONTS + "</head>", 1)
    return html, render_to_string(f"email/{template}.txt", context)


def preheader(items: list[Item]) -> str:
    """The line inboxes show after the subject: the first headlines."""
    return "；".join(item.headline for item in items[:3])


@dataclasses.dataclass(frozen=True)
class Parts:
    """One edition rendered once: subject, HTML and text with placeholders for the links."""

    subject: str
    html: str
    text: str
    manage_mark: str
    unsubscribe_mark: str


def _marks() -> tuple[str, str]:
    # Random, so that no article text can contain them by accident or on purpose.
    token = uuid.uuid4().hex
    return f"newsroom-manage-{token}", f"newsroom-unsubscribe-{token}"


def issue_subject(issue, *, test: bool = False) -> str:
    subject = _("《%(name)s》%(issue)s") % {"name": SITE_NAME, "issue": issue}
    if issue.title:
        subject += f"：{issue.title}"
    # One line: a title saved with a line break (a crafted form post, an import) would make
    # Django refuse the header (BadHeaderError) on every message, and stop the whole send.
    subject = " ".join(subject.split())
    return _("[测试] ") + subject if test else subject


def issue_parts(issue, articles=None, *, test: bool = False) -> Parts:
    manage_mark, unsubscribe_mark = _marks()
    items = article_items(issue_articles(issue) if articles is None else articles)
    subject = issue_subject(issue, test=test)
    reason = _("你收到这封邮件，是因为你用这个地址订阅了本刊，并点击确认链接确认了订阅。")
    if test:
        reason = _("这是编辑部的测试邮件，只发给了你；订阅者收到的邮件在这里有自己的管理订阅和退订链接。")
    context = {
        **base_context(reason=reason, manage=manage_mark, unsubscribe=unsubscribe_mark),
        "subject": subject,
        "preheader": preheader(items),
        "issue": issue,
        "issue_url": absolute(issue.get_absolute_url()),
        "items": items,
        "test": test,
    }
    html, text = render_pair("issue", context)
    return Parts(subject=subject, html=html, text=text, manage_mark=manage_mark, unsubscribe_mark=unsubscribe_mark)


def render_for(parts: Parts, sub: Subscriber | None, *, to: str | None = None) -> EmailMultiAlternatives:
    """The message of one recipient. sub=None is an editor's test copy: no list headers, and
    links that lead to the subscribe page instead of someone's settings."""
    if sub is None:
        manage = unsubscribe = absolute(link("subscribe"))
        headers = {}
    else:
        manage, unsubscribe = manage_url(sub), unsubscribe_url(sub)
        headers = list_headers(sub)

    def fill(text: str) -> str:
        return text.replace(parts.manage_mark, manage).replace(parts.unsubscribe_mark, unsubscribe)

    message = EmailMultiAlternatives(
        subject=parts.subject, body=fill(parts.text), from_email=sender(),
        to=[to or sub.email], headers=headers,
    )
    message.attach_alternative(fill(parts.html), "text/html")
    return message


def issue_message(issue, *, to: str, sub: Subscriber | None) -> EmailMultiAlternatives:
    return render_for(issue_parts(issue, test=sub is None), sub, to=to)


def confirmation_message(sub: Subscriber) -> EmailMultiAlternatives:
    subject = _("请确认订阅《%(name)s》") % {"name": SITE_NAME}
    context = {
        # No 管理订阅 or 退订: nothing is subscribed until the link is followed.
        **base_context(reason=_("有人（可能就是你）在本刊网站用这个地址申请了订阅。")),
        "subject": subject,
        "confirm_url": absolute(link("subscribe_confirm", token=confirm_token(sub))),
        "days": CONFIRM_MAX_AGE.days,
    }
    html, text = render_pair("confirmation", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=sender(), to=[sub.email])
    message.attach_alternative(html, "text/html")
    return message


def digest_message(sub: Subscriber, articles, *, day=None) -> EmailMultiAlternatives:
    """The digest of `articles` for `sub`, dated `day` (its mailing's: a send resumed after
    midnight still says the day it covers), or today."""
    manage_mark, unsubscribe_mark = _marks()
    items = article_items(articles)
    subject = _("《%(name)s》高新区与话题提醒：%(count)d 篇新文章") % {"name": SITE_NAME, "count": len(items)}
    context = {
        **base_context(
            reason=_("你收到这封邮件，是因为你订阅了本刊，并选择了关注的高新区或话题；提醒每天最多一封。"),
            manage=manage_mark, unsubscribe=unsubscribe_mark,
        ),
        "subject": subject,
        "preheader": preheader(items),
        "day": day or timezone.localdate(),
        "items": items,
        "followed": [zone.name for zone in sub.zones.all()] + [tag.name for tag in sub.topics.all()],
    }
    html, text = render_pair("digest", context)
    parts = Parts(subject=subject, html=html, text=text, manage_mark=manage_mark, unsubscribe_mark=unsubscribe_mark)
    return render_for(parts, sub)
