"""The emails themselves: confirmation, an issue, a digest.

An issue's email is the same for every reader except two links (管理订阅, 退订). It is
rendered once per mailing (issue_parts) with placeholders where those links go, and each
message fills them in (render_for): 10,000 recipients do not render a template 10,000 times.
"""
import dataclasses
import uuid
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from articles.models import Article
from newsroom.identity import SITE_NAME
from newsroom.links import link
from newsroom.mailing.absolute import absolute
from newsroom.mailing.models import Subscriber
from newsroom.mailing.tokens import confirm_token, manage_token


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
    mailto = getattr(settings, "NEWSROOM_UNSUBSCRIBE_MAILTO", "")
    if mailto:
        target += f", <mailto:{mailto}?subject=unsubscribe>"
    host = settings.NEWSROOM_SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return {
        "List-Unsubscribe": target,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{SITE_NAME} <newsletter.{host}>",
    }


def confirmation_message(sub: Subscriber) -> EmailMultiAlternatives:
    context = {
        "site_name": SITE_NAME,
        "confirm_url": absolute(link("subscribe_confirm", token=confirm_token(sub))),
        "site_url": absolute("/"),
    }
    message = EmailMultiAlternatives(
        subject=_("请确认订阅《%(name)s》") % {"name": SITE_NAME},
        body=render_to_string("email/confirmation.txt", context),
        from_email=sender(),
        to=[sub.email],
    )
    message.attach_alternative(render_to_string("email/confirmation.html", context), "text/html")
    return message


def issue_articles(issue):
    """What an issue's email lists: its published articles in print order, never a draft."""
    return list(
        Article.objects.published().filter(issue=issue).select_related("lead_image").order_by("position", "id")
    )


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


def issue_parts(issue, articles=None, *, test: bool = False) -> Parts:
    manage_mark, unsubscribe_mark = _marks()
    articles = issue_articles(issue) if articles is None else articles
    context = {
        "site_name": SITE_NAME,
        "site_url": absolute("/"),
        "issue": issue,
        "issue_url": absolute(issue.get_absolute_url()),
        "articles": [{"article": a, "url": absolute(a.get_absolute_url())} for a in articles],
        "manage_url": manage_mark,
        "unsubscribe_url": unsubscribe_mark,
        "test": test,
    }
    subject = _("《%(name)s》%(issue)s") % {"name": SITE_NAME, "issue": issue}
    if issue.title:
        subject += f"：{issue.title}"
    if test:
        subject = _("[测试] ") + subject
    return Parts(
        subject=subject,
        html=render_to_string("email/issue.html", context),
        text=render_to_string("email/issue.txt", context),
        manage_mark=manage_mark,
        unsubscribe_mark=unsubscribe_mark,
    )


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


def digest_message(sub: Subscriber, articles) -> EmailMultiAlternatives:
    manage_mark, unsubscribe_mark = _marks()
    context = {
        "site_name": SITE_NAME,
        "site_url": absolute("/"),
        "articles": [{"article": a, "url": absolute(a.get_absolute_url())} for a in articles],
        "zones": list(sub.zones.all()),
        "topics": list(sub.topics.all()),
        "manage_url": manage_mark,
        "unsubscribe_url": unsubscribe_mark,
    }
    parts = Parts(
        subject=_("《%(name)s》高新区与话题提醒：%(count)d 篇新文章") % {"name": SITE_NAME, "count": len(articles)},
        html=render_to_string("email/digest.html", context),
        text=render_to_string("email/digest.txt", context),
        manage_mark=manage_mark,
        unsubscribe_mark=unsubscribe_mark,
    )
    return render_for(parts, sub)
