"""Subscribers, mailings and deliveries.

A Mailing is one send of the same edition to many readers: an issue, or the day's zone and
topic digest. Every recipient of a mailing has one Delivery row, unique per mailing and
subscriber, created before anything is sent; the row's status is how a send interrupted
anywhere resumes without sending anyone the same mailing twice (newsroom/mailing/sending.py).
"""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_urlsafe(12)


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """The one rule of who gets mail: confirmed, not paused, not stopped by a bounce."""
        return self.filter(status=Subscriber.Status.CONFIRMED)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已订阅")
        PAUSED = "paused", _("已暂停")
        UNSUBSCRIBED = "unsubscribed", _("已退订")
        BOUNCED = "bounced", _("退信停发")
        COMPLAINED = "complained", _("投诉停发")

    class Source(models.TextChoices):
        FORM = "form", _("订阅页")
        IMPORT = "import", _("导入")
        ADMIN = "admin", _("后台添加")

    # Statuses no reader action may leave: the address bounced, or its owner reported us.
    STOPPED = (Status.BOUNCED, Status.COMPLAINED)

    email = models.EmailField(_("电子邮件"), max_length=254, unique=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    zones = models.ManyToManyField(
        "zones.Zone", blank=True, related_name="subscribers", verbose_name=_("关注的高新区")
    )
    topics = models.ManyToManyField(
        "taggit.Tag", blank=True, related_name="subscribers", verbose_name=_("关注的话题")
    )
    # Part of every signed link (newsroom/mailing/tokens.py): a new key revokes them all.
    key = models.CharField(_("链接密钥"), max_length=32, default=new_key, editable=False)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(_("确认邮件发送时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    left_at = models.DateTimeField(_("退订时间"), null=True, blank=True)
    stop_reason = models.TextField(_("停发原因"), blank=True)
    # Articles published up to this moment were covered by this subscriber's digests.
    digest_until = models.DateTimeField(_("提醒已覆盖至"), null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("订阅者")
        verbose_name_plural = _("订阅者")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email


class Mailing(models.Model):
    class Kind(models.TextChoices):
        ISSUE = "issue", _("期刊")
        DIGEST = "digest", _("高新区与话题提醒")

    class Status(models.TextChoices):
        SENDING = "sending", _("发送中")
        DONE = "done", _("已完成")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    issue = models.ForeignKey(
        "newsroom.Issue", verbose_name=_("期"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="mailings",
    )
    day = models.DateField(_("日期"), null=True, blank=True)
    since = models.DateTimeField(_("起"), null=True, blank=True)
    until = models.DateTimeField(_("止"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Last progress of a run; a SENDING mailing whose heartbeat is old was interrupted.
    heartbeat = models.DateTimeField(_("最近进展"), null=True, blank=True)
    # Why the last run stopped with recipients still queued (the mail server unreachable, a
    # login refused), shown to the editor; emptied when a run starts again.
    problem = models.TextField(_("发送受阻原因"), blank=True)
    problem_at = models.DateTimeField(_("受阻时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("邮件发送")
        verbose_name_plural = _("邮件发送")
        ordering = ["-created_at"]
        permissions = [("send_mailing", _("可以向订阅者发送邮件"))]
        constraints = [
            models.UniqueConstraint(fields=["issue"], condition=Q(kind="issue"), name="mailing_one_per_issue"),
            models.UniqueConstraint(fields=["day"], condition=Q(kind="digest"), name="mailing_one_digest_per_day"),
        ]

    def __str__(self):
        if self.kind == self.Kind.ISSUE:
            return _("%(issue)s 邮件") % {"issue": self.issue}
        return _("%(day)s 提醒") % {"day": self.day}


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        UNKNOWN = "unknown", _("中断（可能已送达）")
        SKIPPED = "skipped", _("已跳过")

    mailing = models.ForeignKey(Mailing, verbose_name=_("邮件发送"), on_delete=models.CASCADE, related_name="deliveries")
    # SET_NULL: deleting a subscriber (on request) keeps the record that a mail went out.
    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("订阅者"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="deliveries",
    )
    email = models.EmailField(_("电子邮件"), max_length=254)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("原因"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # A server that answered "try later" (4xx: greylisting, a mailbox provider's throttle)
    # is tried again from this moment, not at once.
    retry_at = models.DateTimeField(_("重试时间"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    # The run (newsroom/mailing/sending.py) that took this queued row to send; empty while
    # free. Two workers on one mailing never take the same row.
    claim = models.CharField(_("发送进程"), max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        constraints = [
            # The database's own guarantee that nobody is queued twice for one mailing.
            models.UniqueConstraint(fields=["mailing", "subscriber"], name="delivery_once_per_subscriber"),
        ]
        indexes = [models.Index(fields=["mailing", "status"], name="delivery_mailing_status_idx")]

    def __str__(self):
        return self.email
