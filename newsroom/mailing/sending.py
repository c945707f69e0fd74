"""STAND-IN for helper C's sending module (branch i13-engine), with the design's signatures,
so that the admin of the compose branch runs and is tested; at merge take i13-engine's file."""
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.mailing.models import Delivery, Mailing, Subscriber
from newsroom.models import Issue


class MailingRefused(Exception):
    pass


def issue_mailing_start(*, issue: Issue, by) -> Mailing:
    if issue.status != Issue.Status.PUBLISHED:
        raise MailingRefused(_("本期尚未发布，不能发送。"))
    with transaction.atomic():
        recipients = list(Subscriber.objects.receiving().order_by("pk").values_list("pk", "email"))
        if not recipients:
            raise MailingRefused(_("还没有已确认的订阅者，无人可发。"))
        if Mailing.objects.filter(kind=Mailing.Kind.ISSUE, issue=issue).exists():
            raise MailingRefused(_("本期已经发送过，不会再发第二次。"))
        mailing = Mailing.objects.create(kind=Mailing.Kind.ISSUE, issue=issue, created_by=by,
                                         heartbeat=timezone.now())
        Delivery.objects.bulk_create(Delivery(mailing=mailing, subscriber_id=pk, email=email)
                                     for pk, email in recipients)
    return mailing


def mailing_retry_failed(mailing: Mailing) -> int:
    with transaction.atomic():
        count = Delivery.objects.filter(mailing=mailing, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED, error="")
        if count:
            Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING, finished_at=None)
    return count


def mailing_progress(mailing: Mailing) -> dict:
    rows = Delivery.objects.filter(mailing=mailing).values_list("status").annotate(n=Count("pk")).order_by()
    counts = {status.value: 0 for status in Delivery.Status}
    counts.update(dict(rows))
    counts["total"] = sum(counts.values())
    return counts


def mailings_resume_interrupted(older_than) -> list[int]:
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stale = Mailing.objects.select_for_update().filter(
            Q(heartbeat__lte=cutoff) | Q(heartbeat__isnull=True), status=Mailing.Status.SENDING)
        ids = list(stale.order_by("pk").values_list("pk", flat=True))
        Delivery.objects.filter(mailing_id__in=ids, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.UNKNOWN)
        Mailing.objects.filter(pk__in=ids).update(heartbeat=timezone.now())
    return ids
