"""Admin sign-in throttling: five failures lock a username on one address for 15 minutes."""
import datetime
import gettext
import json
import os
import re
import socket
import subprocess
import sys
import threading

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from tests.conftest import ROOT
from tests.realserver import (
    Browser,
    fresh_database,
    gunicorn,
    manage,
    orm,
    read_form,
    set_field,
    site_env,
)

LOGIN_URL = "/admin/login/?next=/admin/"
UNLOCK_URL = "/admin/axes/accessattempt/"
LOCKOUT_MESSAGE = (
    "登录失败次数过多，此账号已被锁定 15 分钟（仅限当前网络地址），其间再次尝试会重新计时。"
    "如需提前解锁，请联系编辑在后台“登录保护”中解锁。"
)
PASSWORD = "liuqin-password-1"  # the reporter_user fixture's password


def sign_in(client, username="liuqin", password=PASSWORD, **headers):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **headers)


def fail(client, times, username="liuqin", **headers) -> list[int]:
    return [sign_in(client, username, "wrong-password", **headers).status_code for _ in range(times)]


def error_notes(response) -> list[str]:
    return [" ".join(n.split()) for n in re.findall(r'<p class="errornote">(.*?)</p>', response.content.decode(), re.S)]


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def pair_failures(username="liuqin", ip_address="127.0.0.1") -> int:
    return sum(AccessAttempt.objects.filter(username=username, ip_address=ip_address)
               .values_list("failures_since_start", flat=True))


@pytest.fixture
def clock(monkeypatch):
    """advance(**timedelta) moves the time that Django and axes read; nothing sleeps."""
    real_now = timezone.now
    offset = [datetime.timedelta(0)]

    def now():
        return real_now() + offset[0]

    for target in ("django.utils.timezone.now", "axes.handlers.proxy.now", "axes.attempts.now"):
        monkeypatch.setattr(target, now)

    def advance(**delta):
        offset[0] += datetime.timedelta(**delta)

    return advance


class TestUsernamesNoAccountCanHave:
    def test_a_username_longer_than_any_account_is_a_form_error_and_not_recorded(self, db):
        response = Client().post(LOGIN_URL, {"username": "x" * 10_000, "password": "wrong-password"})
        assert response.status_code == 200
        assert response.context["form"].errors["username"] == ["确保该变量包含不超过 150 字符 (目前字符数 10000)。"]
        assert AccessAttempt.objects.count() == 0


class TestLockout:
    def test_four_failures_leave_the_account_open(self, reporter_user):
        client = Client()
        assert fail(client, 4) == [200, 200, 200, 200]
        assert signed_in(sign_in(client))

    def test_fifth_failure_locks_with_the_chinese_message(self, reporter_user):
        client = Client()
        statuses = fail(client, 4)
        response = sign_in(client, password="wrong-password")
        assert statuses + [response.status_code] == [200, 200, 200, 200, 429]
        assert error_notes(response) == [LOCKOUT_MESSAGE]

    def test_right_password_is_refused_while_locked(self, reporter_user):
        client = Client()
        fail(client, 5)
        response = sign_in(client)
        assert response.status_code == 429
        assert error_notes(response) == [LOCKOUT_MESSAGE]
        assert "_auth_user_id" not in client.session

    def test_lockout_page_is_the_admin_login_form_with_the_username_kept(self, reporter_user):
        client = Client()
        fail(client, 5)
        html = sign_in(client).content.decode()
        assert '<form action="/admin/login/?next=/admin/" method="post" id="login-form">' in html
        assert 'name="username" value="liuqin"' in html
        assert '<input type="hidden" name="next" value="/admin/">' in html
        assert 'name="password"' in html

    def test_success_forgets_earlier_failures(self, reporter_user):
        client = Client()
        fail(client, 4)
        assert signed_in(sign_in(client))
        assert pair_failures() == 0
        assert fail(Client(), 4) == [200, 200, 200, 200]

    def test_another_username_from_the_same_address_is_not_locked(self, reporter_user, editor_user):
        fail(Client(), 5)
        assert signed_in(sign_in(Client(), "editor", "editor-password-1"))

    def test_same_username_from_another_address_is_not_locked(self, reporter_user):
        fail(Client(), 5)
        assert signed_in(sign_in(Client(), REMOTE_ADDR="10.0.0.2"))


class TestCoolOff:
    def test_lockout_ends_after_fifteen_minutes(self, reporter_user, clock):
        fail(Client(), 5)
        clock(minutes=15, seconds=1)
        assert signed_in(sign_in(Client()))

    def test_lockout_still_holds_just_before_fifteen_minutes(self, reporter_user, clock):
        fail(Client(), 5)
        clock(minutes=14, seconds=59)
        assert sign_in(Client()).status_code == 429

    def test_an_attempt_during_the_lockout_restarts_the_fifteen_minutes(self, reporter_user, clock):
        fail(Client(), 5)
        clock(minutes=10)
        assert sign_in(Client()).status_code == 429
        clock(minutes=10)
        assert sign_in(Client()).status_code == 429
        clock(minutes=15, seconds=1)
        assert signed_in(sign_in(Client()))


class TestUnlock:
    def test_editor_unlocks_and_the_user_signs_in_again(self, reporter_user, editor_client):
        fail(Client(), 5)
        attempt = AccessAttempt.objects.get(username="liuqin")
        response = editor_client.post(
            UNLOCK_URL, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
        )
        messages = [str(m) for m in response.context["messages"]]
        assert messages == ["已解锁：liuqin（127.0.0.1）。现在可以重新登录。"]
        assert not AccessAttempt.objects.filter(username="liuqin").exists()
        assert signed_in(sign_in(Client()))

    def test_unlock_clears_the_pair_from_every_browser(self, reporter_user, editor_client):
        fail(Client(), 3, HTTP_USER_AGENT="Firefox")
        fail(Client(), 2, HTTP_USER_AGENT="Chrome")
        firefox = AccessAttempt.objects.get(user_agent="Firefox")
        editor_client.post(UNLOCK_URL, {"action": "unlock", "_selected_action": [firefox.pk]})
        assert pair_failures() == 0
        assert signed_in(sign_in(Client(), HTTP_USER_AGENT="Chrome"))

    def test_unlock_is_logged_in_the_admin_history(self, reporter_user, editor_client, editor_user):
        fail(Client(), 5)
        attempt = AccessAttempt.objects.get(username="liuqin")
        editor_client.post(UNLOCK_URL, {"action": "unlock", "_selected_action": [attempt.pk]})
        entry = LogEntry.objects.get(object_id=str(attempt.pk))
        assert (entry.user, entry.action_flag, entry.object_repr) == (
            editor_user, DELETION, "liuqin 从 127.0.0.1 登录失败 5 次",
        )

    def test_reporter_cannot_see_or_unlock(self, reporter_user, second_editor_user):
        fail(Client(), 5, username="editor2")
        reporter = Client()
        reporter.force_login(reporter_user)
        attempt = AccessAttempt.objects.get(username="editor2")
        assert reporter.get(UNLOCK_URL).status_code == 403
        assert reporter.post(UNLOCK_URL, {"action": "unlock", "_selected_action": [attempt.pk]}).status_code == 403
        assert pair_failures("editor2") == 5

    def test_delete_is_offered_only_as_unlock(self, reporter_user, editor_client):
        fail(Client(), 5)
        html = editor_client.get(UNLOCK_URL).content.decode()
        actions = re.findall(r'<option value="(\w*)"', html.split('name="action"')[1].split("</select>")[0])
        assert actions == ["", "unlock"]
        assert "解锁所选账号（清除其失败记录）" in html

    def test_roles_grant_unlocking_to_editors_only(self, db):
        def axes_permissions(group):
            return sorted(Group.objects.get(name=group).permissions.filter(content_type__app_label="axes")
                          .values_list("codename", flat=True))

        assert axes_permissions("编辑") == ["delete_accessattempt", "view_accessattempt", "view_accesslog"]
        assert axes_permissions("记者") == []


class TestLockStateColumn:
    def test_locked_pair_shows_when_it_opens_again(self, reporter_user, editor_client):
        fail(Client(), 5)
        attempt = AccessAttempt.objects.get(username="liuqin")
        opens = timezone.localtime(attempt.attempt_time + datetime.timedelta(minutes=15))
        html = editor_client.get(UNLOCK_URL).content.decode()
        assert f"已锁定，{opens:%Y-%m-%d %H:%M} 自动解除" in html

    def test_failures_below_the_limit_show_as_open(self, reporter_user, editor_client):
        fail(Client(), 2)
        html = editor_client.get(UNLOCK_URL).content.decode()
        assert "未锁定（最近失败 2 次）" in html

    def test_list_queries_do_not_grow_with_its_rows(self, editor_client, django_assert_max_num_queries):
        AccessAttempt.objects.bulk_create(
            AccessAttempt(username=f"user{n}", ip_address="127.0.0.1", user_agent="", get_data="", post_data="",
                          http_accept="", path_info=LOGIN_URL, failures_since_start=n % 7)
            for n in range(30)
        )
        with django_assert_max_num_queries(9):
            assert editor_client.get(UNLOCK_URL).status_code == 200

    def test_failures_are_summed_over_browsers(self, reporter_user, editor_client):
        fail(Client(), 3, HTTP_USER_AGENT="Firefox")
        fail(Client(), 2, HTTP_USER_AGENT="Chrome")
        html = editor_client.get(UNLOCK_URL).content.decode()
        assert html.count("已锁定，") == 2


AXES_ENGLISH_LABELS = [
    "access attempt", "access log", "User Agent", "IP Address", "Username", "HTTP Accept", "Path",
    "Attempt Time", "GET Data", "POST Data", "Failed Logins", "Logout Time", "Session key hash",
    "Form Data", "Meta Data", "Expiration", "Not set", "Axes", "Attempted Access", "Access Log for",
]


def visible_text(response) -> str:
    html = response.content.decode()
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


class TestChineseLabels:
    def test_models_and_fields_have_chinese_names(self, db):
        from axes.models import AccessLog

        labels = {
            model._meta.model_name: [str(model._meta.verbose_name_plural)]
            + [str(f.verbose_name) for f in model._meta.fields if f.name != "id"]
            for model in (AccessAttempt, AccessLog)
        }
        assert labels == {
            "accessattempt": ["登录失败记录", "浏览器标识", "IP 地址", "用户名", "Accept 请求头", "路径",
                              "尝试时间", "GET 数据", "POST 数据（密码已隐去）", "失败次数"],
            "accesslog": ["登录记录", "浏览器标识", "IP 地址", "用户名", "Accept 请求头", "路径",
                          "尝试时间", "退出时间", "会话密钥哈希（SHA-256）"],
        }
        assert str(AccessAttempt._meta.app_config.verbose_name) == "登录保护"

    @pytest.mark.parametrize("page", ["/admin/", UNLOCK_URL, "/admin/axes/accesslog/"])
    def test_lists_show_no_english_axes_label(self, reporter_user, editor_client, page):
        fail(Client(), 1)
        sign_in(Client())
        text = visible_text(editor_client.get(page))
        assert "登录保护" in text
        assert [label for label in AXES_ENGLISH_LABELS if label in text] == []

    def test_attempt_page_shows_no_english_axes_label(self, reporter_user, editor_client):
        fail(Client(), 1)
        attempt = AccessAttempt.objects.get()
        text = visible_text(editor_client.get(f"{UNLOCK_URL}{attempt.pk}/change/"))
        assert "liuqin 从 127.0.0.1 登录失败 1 次" in text
        assert "失败次数" in text and "表单数据" in text and "请求信息" in text and "未锁定（最近失败 1 次）" in text
        assert [label for label in AXES_ENGLISH_LABELS if label in text] == []

    def test_sign_in_record_page_shows_no_english_axes_label(self, reporter_user, editor_client):
        from axes.models import AccessLog

        sign_in(Client())
        record = AccessLog.objects.get(username="liuqin")
        text = visible_text(editor_client.get(f"/admin/axes/accesslog/{record.pk}/change/"))
        assert "liuqin 从 127.0.0.1 登录" in text and "请求信息" in text
        assert [label for label in AXES_ENGLISH_LABELS if label in text] == []

    def test_compiled_catalog_matches_its_source(self):
        """The committed .mo is the compiled .po: every entry translates to the same text."""
        po_path = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        pattern = r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.*)"$'
        entries = {(context, msgid): msgstr for context, msgid, msgstr in re.findall(pattern, po_path.read_text(), re.M)}
        with open(po_path.with_suffix(".mo"), "rb") as mo:
            catalog = gettext.GNUTranslations(mo)
        # 43 for django-axes and the admin, 20 for the task results (newsroom/admin/tasks.py).
        assert len(entries) == 63
        compiled = {
            (context, msgid): catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
            for context, msgid in entries
        }
        assert compiled == entries


PROXIED = {  # what settings.py derives from NEWSROOM_PROXY_COUNT=1 (pinned by the test below)
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR"],
    "AXES_IPWARE_PROXY_COUNT": 0,
    "IPWARE_STRICT": False,
}


def settings_from_environment(**env) -> list:
    """The client-address settings as a fresh process computes them from `env`."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([getattr(settings, n, None) for n in "
        "('AXES_IPWARE_META_PRECEDENCE_ORDER', 'AXES_IPWARE_PROXY_COUNT', 'IPWARE_STRICT')]))"
    )
    environ = {k: v for k, v in os.environ.items() if k != "NEWSROOM_PROXY_COUNT"}
    environ.update(DJANGO_SETTINGS_MODULE="newsroom.settings", **env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


class TestProxies:
    def test_direct_connections_are_the_default(self):
        assert settings_from_environment() == [["REMOTE_ADDR"], None, None]

    def test_proxy_count_comes_from_the_environment(self):
        assert settings_from_environment(NEWSROOM_PROXY_COUNT="1") == list(PROXIED.values())
        assert settings_from_environment(NEWSROOM_PROXY_COUNT="2")[1] == 1

    def test_direct_connection_cannot_dodge_the_lockout_with_x_forwarded_for(self, reporter_user):
        for n in range(5):
            sign_in(Client(), password="wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert sign_in(Client(), HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429

    def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for(self, reporter_user, settings):
        for name, value in PROXIED.items():
            setattr(settings, name, value)
        fail(Client(), 5, HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert sign_in(Client(), HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
        assert signed_in(sign_in(Client(), HTTP_X_FORWARDED_FOR="203.0.113.6"))
        assert pair_failures(ip_address="203.0.113.5") == 6

    def test_behind_a_proxy_a_forged_entry_does_not_dodge_the_lockout(self, reporter_user, settings):
        for name, value in PROXIED.items():
            setattr(settings, name, value)
        for n in range(5):  # the client sends X-Forwarded-For; the proxy appends the real address
            sign_in(Client(), password="wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5")
        assert sign_in(Client(), HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.5").status_code == 429


# --- failures that arrive at the same moment, against the real server (gunicorn)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """(base URL, failures(username)) for gunicorn as `make run` starts it, on a fresh database."""
    with fresh_database(tmp_path) as url:
        env = site_env(url)
        assert manage(env, "migrate", "--noinput").returncode == 0

        def failures(username):
            code = f"from axes.models import AccessAttempt\nfrom django.db.models import Sum\nresult = AccessAttempt.objects.filter(username={username!r}).aggregate(n=Sum('failures_since_start'))['n']"
            return orm(env, code)

        with gunicorn(env, workers=4, log=tmp_path / "gunicorn.log") as base:
            yield base, failures


def sign_in_form(base: str, username: str, password: str):
    """A fresh browser that has loaded the sign-in page (for its CSRF cookie), and its filled form."""
    browser = Browser(base)
    form = read_form(browser.get("/admin/login/").body, form_id="login-form")
    return browser, set_field(set_field(form, "username", username), "password", password)


def post_login(base: str, username: str, password: str) -> int:
    browser, form = sign_in_form(base, username, password)
    return browser.post("/admin/login/", form).status


class TestSimultaneousFailures:
    def test_every_failure_is_counted(self, server):
        """Twenty wrong passwords sent at once: all counted, none answered with an error."""
        base, failures = server
        start = threading.Barrier(20)
        statuses = []

        def attempt():
            browser, form = sign_in_form(base, "someone", "wrong-password")
            start.wait()
            statuses.append(browser.post("/admin/login/", form).status)

        threads = [threading.Thread(target=attempt) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 429}
        assert len(statuses) == 20
        assert failures("someone") == 20
        assert post_login(base, "someone", "wrong-password") == 429
