"""TEMPORARY scaffolding of the core's models (dropped when the core lands)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WechatPush(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        PUSHING = "pushing", _("推送中")
        DONE = "done", _("已推送")
        FAILED = "failed", _("推送失败")

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="wechat_pushes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    article_version = models.PositiveIntegerField(default=0)
    media_id = models.CharField(max_length=200, blank=True)
    problem = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article"], condition=Q(status__in=["queued", "pushing"]), name="one_active_push")]
        permissions = [("push_wechat", "可以推送到公众号草稿箱")]


class WechatToken(models.Model):
    appid = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=600, blank=True)
    expires_at = models.DateTimeField()


class WechatUpload(models.Model):
    """A picture already on the account's WeChat servers, so that pushing an article again (or
    another article with the same picture) does not upload it again: uploadimg counts against
    a daily quota, and every add_material takes one of the account's 100,000 materials."""

    class Kind(models.TextChoices):
        BODY = "body", _("正文图片")
        COVER = "cover", _("封面素材")

    appid = models.CharField(_("AppID"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("微信图片地址"), max_length=1000)
    media_id = models.CharField(_("素材 media_id"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公众号已上传图片")
        verbose_name_plural = _("公众号已上传图片")
        constraints = [
            models.UniqueConstraint(fields=["appid", "sha256", "kind"], name="editions_wechat_upload_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sha256[:12]}"
