"""The reader's side of the email edition: subscribe, confirm, manage, unsubscribe.

No account and no session: the subscribe form proves nothing about who typed the address,
so it only ever leads to a confirmation mail and answers the same for every address (no
one can learn who subscribes). The links in the emails are signed (newsroom/mailing/
tokens.py) and are the only proof of the mailbox. A GET never changes anything: link
scanners and mail previews follow links, so confirming and leaving take a POST. Every page
here is about one person and is never cached (never_cache sets Cache-Control, which keeps
newsroom/page_cache.py from storing it).
"""
import hashlib
import logging

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from taggit.models import Tag

from articles.models import Article
from newsroom.links import link
from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Subscriber
from newsroom.mailing.subscriptions import (
    subscriber_confirm,
    subscriber_pause,
    subscriber_request,
    subscriber_resume,
    subscriber_set_interests,
    subscriber_unsubscribe,
)
from newsroom.mailing.tokens import manage_token, subscriber_for_confirm, subscriber_for_manage
from newsroom.tasks import send_confirmation
from newsroom.text.slugs import in_pinyin_order
from zones.models import Zone

logger = logging.getLogger(__name__)

# More choices than there are zones is not a reader: refused before any query is built.
MAX_CHOICES = 500


# --- forms ------------------------------------------------------------------------


class ChoicesField(forms.ModelMultipleChoiceField):
    """Checkboxes of ids; a list longer than any real choice is refused before the query."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value):
        if value and len(value) > MAX_CHOICES:
            raise ValidationError(_("选择的项目过多。"), code="too_many")
        for pk in value or ():
            # int() takes 30 nines, which SQLite cannot bind (OverflowError, a 500): an id is
            # a short run of ASCII digits, as _chosen reads it.
            if not (isinstance(pk, str) and pk.isascii() and pk.isdecimal() and len(pk) < 19):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class InterestsForm(forms.Form):
    zones = ChoicesField(Zone.objects.all(), required=False, label=gettext_lazy("关注的高新区"))
    topics = ChoicesField(Tag.objects.none(), required=False, label=gettext_lazy("关注的话题"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = published_topics()


class SubscribeForm(InterestsForm):
    # A CharField, not an EmailField: normalise_email is the one rule (full-width ＠ and
    # letters typed with a Chinese input method are accepted and stored in ASCII).
    # The length is checked before normalising, with normalise_email's message, so that a
    # megabyte of text is not normalised first.
    email = forms.CharField(label=gettext_lazy("电子邮件地址"), max_length=1000, error_messages={
        "max_length": gettext_lazy("电子邮件地址太长（最多 254 个字符）。")})
    # The honeypot: hidden from people and screen readers (see the template and site.css);
    # form-filling bots fill a field with this name.
    website = forms.CharField(required=False, label=gettext_lazy("网站"))

    field_order = ["email", "zones", "topics", "website"]

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


def published_topics():
    """The topics of published articles: choosing one a draft uses would leak the draft."""
    return Tag.objects.filter(article__in=Article.objects.published()).distinct().order_by("name")


def interest_choices(form: InterestsForm) -> dict:
    """The zones grouped by province in pinyin order, the topics, and what is ticked.

    The directory is a few hundred rows, read whole and written out by the template rather
    than by a widget per checkbox."""
    chosen_zones = _chosen(form, "zones")
    zones = list(Zone.objects.only("name", "province", "slug").order_by("slug"))
    groups = {province: [] for province in in_pinyin_order({zone.province for zone in zones})}
    for zone in zones:
        groups[zone.province].append(zone)
    return {
        # A province with a ticked zone starts unfolded, so the reader sees their choice.
        "zone_groups": [
            {"province": province, "zones": members, "open": any(z.pk in chosen_zones for z in members)}
            for province, members in groups.items()
        ],
        "topics": list(form.fields["topics"].queryset.only("name")),
        "chosen_zones": chosen_zones,
        "chosen_topics": _chosen(form, "topics"),
    }


def _chosen(form: InterestsForm, name: str) -> set[int]:
    """The ids ticked, read from what was posted when the form is shown again with its errors."""
    values = (getattr(v, "pk", v) for v in form[name].value() or [])
    # str.isdigit() is true of "²" and of 5,000 nines, which int() refuses.
    return {int(v) for v in map(str, values) if v.isascii() and v.isdecimal() and len(v) < 19}


# --- rate limits -------------------------------------------------------------------


def over_limit(kind: str, value: str) -> bool:
    """One more request of this kind from this value; True once it exceeds the limit.

    Counted in Django's cache (Redis when several app servers share it). A cache that is
    down lets the request through: a missed limit is better than an error page.
    """
    limit, window = settings.NEWSROOM_SUBSCRIBE_LIMITS[kind]
    key = f"subscribe-limit:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    except Exception:
        logger.warning("subscribe rate limit unavailable", exc_info=True)
        return False
    return count > limit


def too_many(request):
    response = render(request, "subscribe/too_many.html", status=429)
    response["Retry-After"] = "3600"
    return response


# --- pages -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    if request.method != "POST":
        if "requested" in request.GET:
            return render(request, "subscribe/requested.html")
        return _subscribe_page(request, SubscribeForm())
    if over_limit("client", get_client_ip_address(request) or ""):
        return too_many(request)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return _subscribe_page(request, form)
    if form.cleaned_data["website"]:
        # A bot: it is told what a person is told, and nothing is stored or sent.
        return _requested()
    email = form.cleaned_data["email"]
    if over_limit("email", email):
        return too_many(request)
    # The confirmation task is a row written in the same transaction as the subscriber.
    with transaction.atomic():
        sub = subscriber_request(email=email, zones=form.cleaned_data["zones"], topics=form.cleaned_data["topics"])
        if sub is not None:
            send_confirmation.enqueue(sub.pk)
    return _requested()


def _requested():
    """The same answer whatever became of the address: nobody learns who subscribes. A
    redirect, so that reloading the answer does not post the form (and mail) again."""
    return redirect(link("subscribe") + "?requested")


def _subscribe_page(request, form: SubscribeForm):
    context = {"form": form, "feed_path": link("feed"), "zones_url": link("zones:index"), **interest_choices(form)}
    return render(request, "subscribe/subscribe.html", context)


def bad_link(request):
    return render(request, "subscribe/bad_link.html", status=400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    sub = subscriber_for_confirm(token)
    if sub is None or sub.status not in (Subscriber.Status.PENDING, Subscriber.Status.CONFIRMED):
        return bad_link(request)
    confirmed = sub.status == Subscriber.Status.CONFIRMED
    if request.method == "POST" and not confirmed:
        confirmed = subscriber_confirm(sub=sub)
        if not confirmed:  # unsubscribed or stopped between the page and the click
            return bad_link(request)
    context = {
        "sub": sub, "confirmed": confirmed, "token": token,
        "manage_url": link("subscribe_manage", token=manage_token(sub)),
        "zones": sub.zones.order_by("slug"), "topics": sub.topics.order_by("name"),
    }
    return render(request, "subscribe/confirm.html", context)


MANAGE_NOTICES = {
    "saved": gettext_lazy("已保存您关注的高新区和话题。"),
    "paused": gettext_lazy("已暂停。在您恢复之前，我们不会给您发信。"),
    "resumed": gettext_lazy("已恢复订阅。"),
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    sub = subscriber_for_manage(token)
    if sub is None:
        return bad_link(request)
    if request.method == "POST":
        return _manage_post(request, sub, token)
    form = InterestsForm(initial={"zones": list(sub.zones.all()), "topics": list(sub.topics.all())})
    return _manage_page(request, sub, token, form)


def _manage_post(request, sub: Subscriber, token: str):
    action = request.POST.get("action")
    if action == "pause":
        subscriber_pause(sub=sub)
        return _manage_done(token, "paused")
    if action == "resume":
        subscriber_resume(sub=sub)
        return _manage_done(token, "resumed")
    form = InterestsForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, sub, token, form)
    subscriber_set_interests(sub=sub, zones=form.cleaned_data["zones"], topics=form.cleaned_data["topics"])
    return _manage_done(token, "saved")


def _manage_done(token: str, notice: str):
    # Post/redirect/get: a reload does not post again. The notice is named in the address
    # rather than kept in a cookie, since these pages have no session.
    return redirect(link("subscribe_manage", token=token) + f"?done={notice}")


def _manage_page(request, sub: Subscriber, token: str, form: InterestsForm):
    sub.refresh_from_db(fields=["status"])
    context = {
        "sub": sub, "form": form, "token": token, "Status": Subscriber.Status,
        "stopped": sub.status in Subscriber.STOPPED,
        "notice": MANAGE_NOTICES.get(request.GET.get("done", "")),
        **interest_choices(form),
    }
    return render(request, "subscribe/manage.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: a page with a button. POST: unsubscribe, from that button or from a mail client's
    one-click (RFC 8058: `List-Unsubscribe=One-Click` posted with no cookie and no CSRF
    token, which is why the signed token is the only thing trusted). Doing it twice is fine."""
    sub = subscriber_for_manage(token)
    if sub is None:
        return bad_link(request)
    if request.method == "POST":
        subscriber_unsubscribe(sub=sub)
        sub.refresh_from_db(fields=["status"])
    left = sub.status in (Subscriber.Status.UNSUBSCRIBED, *Subscriber.STOPPED)
    context = {"sub": sub, "left": left, "token": token,
               "manage_url": link("subscribe_manage", token=token)}
    return render(request, "subscribe/unsubscribe.html", context)


urlpatterns = [
    path("", subscribe, name="subscribe"),
    path("confirm/<str:token>/", confirm, name="subscribe_confirm"),
    path("manage/<str:token>/", manage, name="subscribe_manage"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
