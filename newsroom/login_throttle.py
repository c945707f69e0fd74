"""Admin sign-in throttling (django-axes) in Chinese: the lockout page and the records' names."""
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.shortcuts import render
from django.utils.translation import gettext as _

from newsroom.desk import is_desk_user


class SignInForm(AdminAuthenticationForm):
    """The admin sign-in form, refusing a username longer than any account's before it is tried.

    Django's form sets the username field's max_length after building it, so the length
    is never validated: a 10,000-character username reached authenticate(), and axes then
    failed to record the failure (PostgreSQL refuses it for its 255-character column): a 500.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))

    def confirm_login_allowed(self, user):
        # The admin's own form admits staff only; the desk admits newsroom group members too.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_desk_user(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


def attempt_name(attempt) -> str:
    return _("%(username)s 从 %(ip)s 登录失败 %(count)s 次") % {
        "username": attempt.username, "ip": attempt.ip_address, "count": attempt.failures_since_start,
    }


def access_log_name(log) -> str:
    return _("%(username)s 从 %(ip)s 登录") % {"username": log.username, "ip": log.ip_address}


def name_records_in_chinese() -> None:
    """axes names its records in English, outside gettext ("Attempted Access: …"), and the
    admin shows those names in titles, breadcrumbs and the recent-actions list."""
    AccessAttempt.__str__ = attempt_name
    AccessLog.__str__ = access_log_name


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return _(
        "登录失败次数过多，此账号已被锁定 %(minutes)s 分钟（仅限当前网络地址），其间再次尝试会重新计时。"
        "如需提前解锁，请联系编辑在后台“登录保护”中解锁。"
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The admin sign-in page again, with the reason and the way out, as 429 Too Many Requests.

    The form is unbound on purpose: a bound form would authenticate again while rendering,
    and count one more failure.
    """
    username = get_client_username(request, credentials) or ""
    form = SignInForm(request, initial={"username": username})
    form.cleaned_data = {}  # add_error() expects a validated form; this one never is
    form.add_error(None, lockout_message())
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "form": form,
        "username": request.user.get_username(),
        # Only echoed into the form: the login view checks it when the user finally signs in.
        REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, ""),
    }
    return render(request, "admin/login.html", context, status=429)
