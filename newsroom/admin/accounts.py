"""Accounts in the admin: users, and sign-in throttling (django-axes): who is locked out, and
unlocking them early."""
from axes import admin as axes_admin
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.admin.keys import CheckedKeysAdmin


def _recent_pair_failures(threshold):
    """Failures of the row's (username, address) pair since `threshold`, over all browsers:
    axes sums them to decide a lockout, so one row's count alone can understate it."""
    pair = AccessAttempt.objects.filter(
        username=OuterRef("username"), ip_address=OuterRef("ip_address"), attempt_time__gte=threshold
    )
    return Subquery(pair.values("username").annotate(total=Sum("failures_since_start")).values("total"))


@admin.register(AccessAttempt)
class AccessAttemptAdmin(CheckedKeysAdmin, axes_admin.AccessAttemptAdmin):
    """Failed sign-ins per username, address and browser; 解锁 forgets a pair's failures."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "lock_state", "user_agent"]
    list_filter = ["attempt_time"]
    actions = ["unlock"]
    # axes' own layout also shows an expiry that is never set with our settings.
    fieldsets = [
        (None, {"fields": ["username", "ip_address", "failures_since_start", "attempt_time", "lock_state"]}),
        (gettext_lazy("表单数据"), {"fields": ["get_data", "post_data"]}),
        (gettext_lazy("请求信息"), {"fields": ["user_agent", "http_accept", "path_info"]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    def get_queryset(self, request):
        threshold = timezone.now() - get_cool_off()
        return super().get_queryset(request).annotate(_pair_failures=_recent_pair_failures(threshold))

    def get_actions(self, request):
        # 解锁 is the one way to remove records, so that it is always logged as an unlock.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=gettext_lazy("状态"))
    def lock_state(self, obj):
        failures = obj._pair_failures or 0
        if failures < settings.AXES_FAILURE_LIMIT:
            return _("未锁定（最近失败 %(count)s 次）") % {"count": failures}
        until = timezone.localtime(obj.attempt_time + get_cool_off())
        return _("已锁定，%(time)s 自动解除") % {"time": until.strftime("%Y-%m-%d %H:%M")}

    @admin.action(description=gettext_lazy("解锁所选账号（清除其失败记录）"), permissions=["delete"])
    def unlock(self, request, queryset):
        pairs = sorted({(a.username, a.ip_address) for a in queryset}, key=lambda p: (p[0] or "", p[1] or ""))
        with transaction.atomic():
            for username, ip_address in pairs:
                attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address)
                self.log_deletions(request, attempts)
                attempts.delete()
        names = "、".join(f"{username}（{ip_address}）" for username, ip_address in pairs)
        self.message_user(request, _("已解锁：%(names)s。现在可以重新登录。") % {"names": names}, messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(CheckedKeysAdmin, axes_admin.AccessLogAdmin):
    """Successful sign-ins and sign-outs, read only."""


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password summary without the `disabled` attribute Django's form puts on its
    `<div>`, where HTML allows none (the Nu Html Checker refuses the user page otherwise)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("disabled", None)
        return context


class AccountChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSummaryWidget()


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
