"""The reader's side of the email edition: subscribe, confirm, manage and unsubscribe pages."""
import datetime
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from newsroom.mailing import compose, tokens
from newsroom.mailing.models import Subscriber

pytestmark = pytest.mark.django_db

ANSWER = "请查收确认邮件"
BAD_LINK = "链接无效或已过期"


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """The confirmation mail is sent inside the request, into the locmem outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def chengdu(make_zone):
    return make_zone("成都高新区", province="四川省", city="成都市")


@pytest.fixture
def topic(make_article):
    """生物医药, a topic of a published article; 内部 is a topic only a draft uses."""
    make_article("新药获批", tags=["生物医药"])
    make_article("未发稿", status="draft", tags=["内部"])
    from taggit.models import Tag

    return Tag.objects.get(name="生物医药")


def subscribe(client, email, **fields):
    return client.post("/subscribe/", {"email": email, "website": "", **fields}, follow=True)


def path_of(url: str) -> str:
    return urlsplit(url).path


def make_sub(email="reader@example.com", status=Subscriber.Status.CONFIRMED):
    return Subscriber.objects.create(email=email, status=status)


class TestSubscribePage:
    def test_header_links_to_the_subscribe_page(self, client):
        assert 'href="/subscribe/">订阅</a>' in client.get("/").content.decode()

    def test_offers_zones_published_topics_and_the_feeds(self, client, chengdu, topic):
        page = client.get("/subscribe/").content.decode()
        assert f'name="zones" value="{chengdu.pk}"> 成都高新区' in page
        assert f'name="topics" value="{topic.pk}"> 生物医药' in page
        assert "内部" not in page  # a draft's topic
        assert 'href="/feed/">全部文章</a> <code>http://testserver/feed/</code>' in page

    def test_page_is_never_cached(self, client):
        response = client.get("/subscribe/")
        assert "no-store" in response["Cache-Control"]
        assert "ETag" not in response


class TestSubscribing:
    def test_address_is_stored_normalised_as_pending_and_sent_a_confirmation(self, client, mailoutbox, chengdu, topic):
        response = subscribe(client, " Ｚｈａｎｇ．Ｓａｎ＠Ｅｘａｍｐｌｅ．ＣＯＭ ", zones=[chengdu.pk], topics=[topic.pk])
        # Redirected, so that reloading the answer posts nothing again.
        assert response.redirect_chain == [("/subscribe/?requested", 302)]
        assert ANSWER in response.content.decode()
        sub = Subscriber.objects.get()
        assert (sub.email, sub.status, sub.source) == ("zhang.san@example.com", "pending", "form")
        assert list(sub.zones.all()) == [chengdu]
        assert list(sub.topics.all()) == [topic]
        assert sub.confirmation_sent_at is not None
        assert [m.to for m in mailoutbox] == [["zhang.san@example.com"]]
        assert f"/subscribe/confirm/{tokens.confirm_token(sub)}/" in mailoutbox[0].body

    def test_with_a_worker_the_confirmation_is_queued_with_the_subscriber(self, client, settings, mailoutbox):
        from django_tasks_db.models import DBTaskResult

        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        subscribe(client, "a@example.com")
        [task] = DBTaskResult.objects.all()
        assert (task.task_path, task.args_kwargs["args"]) == (
            "newsroom.tasks.send_confirmation", [Subscriber.objects.get().pk])
        assert mailoutbox == []

    def test_a_mail_server_that_fails_is_not_an_error_page(self, client, monkeypatch, mailoutbox):
        def refused(sub):
            raise ConnectionRefusedError("smtp down")

        monkeypatch.setattr("newsroom.mailing.compose.confirmation_message", refused)
        response = subscribe(client, "a@example.com")
        assert (response.status_code, ANSWER in response.content.decode()) == (200, True)
        assert Subscriber.objects.get().confirmation_sent_at is None

    def test_a_pending_address_receives_nothing_but_the_confirmation(self, client, mailoutbox):
        subscribe(client, "a@example.com")
        assert list(Subscriber.objects.receiving()) == []
        assert [m.subject for m in mailoutbox] == ["请确认订阅《高新区通讯》"]

    def test_the_answer_is_the_same_for_every_address(self, client, mailoutbox):
        """New, confirmed, bounced: nobody can learn from the page who subscribes."""
        make_sub("confirmed@example.com")
        make_sub("bounced@example.com", Subscriber.Status.BOUNCED)
        answers = [client.post("/subscribe/", {"email": e, "website": ""})
                   for e in ("new@example.com", "confirmed@example.com", "bounced@example.com")]
        assert [(a.status_code, a["Location"]) for a in answers] == [(302, "/subscribe/?requested")] * 3
        assert [len(mailoutbox)] == [1]

    def test_a_confirmed_reader_is_neither_changed_nor_mailed(self, client, mailoutbox, chengdu):
        sub = make_sub()
        subscribe(client, "reader@example.com", zones=[chengdu.pk])
        sub.refresh_from_db()
        assert sub.status == "confirmed"
        assert list(sub.zones.all()) == []
        assert mailoutbox == []

    @pytest.mark.parametrize("status", [Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED])
    def test_a_stopped_address_is_never_mailed(self, client, mailoutbox, status):
        make_sub(status=status)
        response = subscribe(client, "reader@example.com")
        assert ANSWER in response.content.decode()
        assert Subscriber.objects.get().status == status
        assert mailoutbox == []

    @pytest.mark.parametrize("status", [Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.PAUSED])
    def test_a_reader_who_left_or_paused_confirms_again(self, client, mailoutbox, status):
        make_sub(status=status)
        subscribe(client, "reader@example.com")
        assert Subscriber.objects.get().status == "pending"
        assert len(mailoutbox) == 1

    def test_a_filled_honeypot_stores_nothing_and_gets_the_same_answer(self, client, mailoutbox):
        response = client.post("/subscribe/", {"email": "bot@example.com", "website": "http://spam.example"}, follow=True)
        assert response.redirect_chain == [("/subscribe/?requested", 302)]
        assert ANSWER in response.content.decode()
        assert Subscriber.objects.count() == 0
        assert mailoutbox == []

    def test_the_honeypot_is_hidden_from_people_and_screen_readers(self, client):
        page = client.get("/subscribe/").content.decode()
        assert '<div class="subscribe-form__trap" aria-hidden="true">' in page
        assert 'name="website" tabindex="-1" autocomplete="off"' in page


class TestRateLimits:
    def test_too_many_posts_from_one_client_answer_429_in_chinese(self, client, settings, mailoutbox):
        settings.NEWSROOM_SUBSCRIBE_LIMITS = {"client": (2, 3600), "email": (10, 86400)}
        statuses = [subscribe(client, f"r{n}@example.com").status_code for n in range(3)]
        assert statuses == [200, 200, 429]
        response = subscribe(client, "r9@example.com")
        assert response["Retry-After"] == "3600"
        assert "操作过于频繁" in response.content.decode()
        assert Subscriber.objects.count() == 2

    def test_one_address_gets_a_limited_number_of_confirmations(self, settings, mailoutbox):
        """Typed from many places, someone else's address is not flooded."""
        settings.NEWSROOM_SUBSCRIBE_LIMITS = {"client": (100, 3600), "email": (2, 86400)}
        statuses = [subscribe(Client(REMOTE_ADDR=f"10.0.0.{n}"), "victim@example.com").status_code for n in range(3)]
        assert statuses == [200, 200, 429]
        assert len(mailoutbox) == 2

    def test_a_cache_that_fails_lets_the_reader_through(self, client, monkeypatch, mailoutbox):
        def broken(*args, **kwargs):
            raise ConnectionError("redis down")

        monkeypatch.setattr("newsroom.site.subscribe.cache.add", broken)
        assert subscribe(client, "a@example.com").status_code == 200
        assert len(mailoutbox) == 1


class TestHostileInput:
    def errors(self, response) -> dict:
        assert response.status_code == 200
        return {name: list(errors) for name, errors in response.context["form"].errors.items()}

    def test_a_huge_address_is_a_form_error(self, client):
        assert self.errors(subscribe(client, "a" * 5000 + "@example.com")) == {
            "email": ["电子邮件地址太长（最多 254 个字符）。"]}
        assert self.errors(subscribe(client, "a" * 250 + "@example.com")) == {
            "email": ["电子邮件地址太长（最多 254 个字符）。"]}

    def test_a_nul_byte_is_a_form_error(self, client):
        assert self.errors(subscribe(client, "a\x00@example.com")) == {
            "email": ["不能含有空字符（NUL，在输入框中显示为“�”），请删除后再保存。"]}

    def test_markup_in_the_address_is_refused_and_shown_as_text(self, client):
        response = subscribe(client, "<script>alert(1)</script>@example.com")
        assert list(self.errors(response)) == ["email"]
        page = response.content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;@example.com" in page

    @pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5", "²", "٣", "9" * 5000, "9" * 30, str(2**63), ""])
    def test_an_unknown_zone_is_a_form_error(self, client, value):
        errors = self.errors(subscribe(client, "a@example.com", zones=[value]))
        assert list(errors) == ["zones"]
        assert Subscriber.objects.count() == 0

    def test_a_topic_only_a_draft_uses_is_a_form_error(self, client, topic):
        from taggit.models import Tag

        draft_topic = Tag.objects.get(name="内部")
        assert list(self.errors(subscribe(client, "a@example.com", topics=[draft_topic.pk]))) == ["topics"]

    def test_more_choices_than_zones_are_refused_before_any_query(self, client, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            response = subscribe(client, "a@example.com", zones=[str(n) for n in range(1, 600)])
        assert self.errors(response) == {"zones": ["选择的项目过多。"]}

    def test_more_fields_than_django_reads_are_a_400(self, client):
        """DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) stops the request before the form."""
        response = subscribe(client, "a@example.com", zones=[str(n) for n in range(1, 5000)])
        assert response.status_code == 400
        assert Subscriber.objects.count() == 0

    def test_the_form_keeps_what_was_typed_and_ticked(self, client, chengdu):
        page = subscribe(client, "not-an-address", zones=[chengdu.pk]).content.decode()
        assert 'value="not-an-address" aria-invalid="true"' in page
        assert f'value="{chengdu.pk}" checked> 成都高新区' in page


class TestConfirm:
    def url(self, sub):
        return f"/subscribe/confirm/{tokens.confirm_token(sub)}/"

    def test_get_shows_a_button_and_confirms_nothing(self, client):
        """Link scanners follow the link in the mail; only the reader's click confirms."""
        sub = make_sub(status=Subscriber.Status.PENDING)
        page = client.get(self.url(sub)).content.decode()
        assert '<button type="submit" class="button">确认订阅</button>' in page
        sub.refresh_from_db()
        assert sub.status == "pending"

    def test_post_confirms(self, client):
        sub = make_sub(status=Subscriber.Status.PENDING)
        response = client.post(self.url(sub))
        assert "订阅成功" in response.content.decode()
        sub.refresh_from_db()
        assert sub.status == "confirmed"
        assert sub.confirmed_at is not None
        assert list(Subscriber.objects.receiving()) == [sub]

    def test_confirm_needs_the_csrf_token(self):
        sub = make_sub(status=Subscriber.Status.PENDING)
        assert Client(enforce_csrf_checks=True).post(self.url(sub)).status_code == 403

    def test_an_expired_link_is_a_clear_400_with_a_way_back(self, client, monkeypatch):
        sub = make_sub(status=Subscriber.Status.PENDING)
        url = self.url(sub)
        later = (tokens.CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)).total_seconds()
        real_time = signing.time.time
        monkeypatch.setattr(signing.time, "time", lambda: real_time() + later)
        response = client.post(url)
        assert response.status_code == 400
        assert BAD_LINK in response.content.decode()
        assert 'href="/subscribe/">重新订阅</a>' in response.content.decode()
        sub.refresh_from_db()
        assert sub.status == "pending"

    @pytest.mark.parametrize("token", ["x", "1.abc:forged", "9" * 5000])
    def test_a_forged_link_is_400(self, client, token):
        make_sub(status=Subscriber.Status.PENDING)
        assert client.get(f"/subscribe/confirm/{token}/").status_code == 400
        assert client.post(f"/subscribe/confirm/{token}/").status_code == 400

    def test_an_old_link_does_not_undo_leaving(self, client):
        sub = make_sub(status=Subscriber.Status.PENDING)
        url = self.url(sub)
        Subscriber.objects.filter(pk=sub.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
        assert client.post(url).status_code == 400
        sub.refresh_from_db()
        assert sub.status == "unsubscribed"


class TestManage:
    def url(self, sub):
        return f"/subscribe/manage/{tokens.manage_token(sub)}/"

    def test_shows_the_readers_choices(self, client, chengdu, topic):
        sub = make_sub()
        sub.zones.add(chengdu)
        sub.topics.add(topic)
        page = client.get(self.url(sub)).content.decode()
        assert "reader@example.com：<strong>已订阅</strong>" in page
        assert f'value="{chengdu.pk}" checked> 成都高新区' in page
        assert f'value="{topic.pk}" checked> 生物医药' in page
        assert '<details class="interests__zones" open>\n    <summary>按省份选择（已选 1 个）</summary>' in page
        assert '<details class="interests__group" open>\n      <summary>四川省 <span class="interests__count">' in page

    def test_saving_changes_zones_and_topics(self, client, chengdu, topic):
        sub = make_sub()
        sub.zones.add(chengdu)
        response = client.post(self.url(sub), {"action": "save", "topics": [topic.pk]})
        assert response.status_code == 302
        assert response["Location"] == self.url(sub) + "?done=saved"
        assert list(sub.zones.all()) == []
        assert list(sub.topics.all()) == [topic]
        assert "已保存您关注的高新区和话题。" in client.get(response["Location"]).content.decode()

    def test_an_unknown_zone_changes_nothing(self, client, chengdu):
        sub = make_sub()
        sub.zones.add(chengdu)
        response = client.post(self.url(sub), {"action": "save", "zones": ["999999"]})
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["zones"]
        assert list(sub.zones.all()) == [chengdu]

    def test_pause_then_resume(self, client):
        sub = make_sub()
        client.post(self.url(sub), {"action": "pause"})
        sub.refresh_from_db()
        assert sub.status == "paused"
        assert list(Subscriber.objects.receiving()) == []
        page = client.get(self.url(sub) + "?done=paused").content.decode()
        assert "已暂停。在您恢复之前，我们不会给您发信。" in page
        assert 'value="resume">恢复</button>' in page
        client.post(self.url(sub), {"action": "resume"})
        sub.refresh_from_db()
        assert sub.status == "confirmed"

    def test_a_stopped_address_cannot_resume(self, client):
        sub = make_sub(status=Subscriber.Status.BOUNCED)
        client.post(self.url(sub), {"action": "resume"})
        sub.refresh_from_db()
        assert sub.status == "bounced"
        assert "已停止给它发信" in client.get(self.url(sub)).content.decode()

    def test_leaving_posts_to_the_unsubscribe_page(self, client):
        sub = make_sub()
        token = tokens.manage_token(sub)
        page = client.get(self.url(sub)).content.decode()
        assert f'<form method="post" action="/subscribe/unsubscribe/{token}/">' in page
        assert 'value="pause">暂停</button>' in page

    def test_changes_need_the_csrf_token(self):
        sub = make_sub()
        assert Client(enforce_csrf_checks=True).post(self.url(sub), {"action": "pause"}).status_code == 403
        sub.refresh_from_db()
        assert sub.status == "confirmed"

    def test_a_rotated_key_revokes_the_link(self, client):
        sub = make_sub()
        url = self.url(sub)
        sub.key = "rotated"
        sub.save()
        response = client.get(url)
        assert response.status_code == 400
        assert BAD_LINK in response.content.decode()


class TestUnsubscribe:
    def url(self, sub):
        return path_of(compose.unsubscribe_url(sub))

    def test_the_list_unsubscribe_header_names_this_page(self):
        sub = make_sub()
        assert compose.list_headers(sub)["List-Unsubscribe"] == f"<http://127.0.0.1:8000{self.url(sub)}>"

    def test_get_shows_a_button_and_never_unsubscribes(self, client):
        sub = make_sub()
        for _ in range(2):
            page = client.get(self.url(sub)).content.decode()
            assert '<button type="submit" class="button">确认退订</button>' in page
        sub.refresh_from_db()
        assert sub.status == "confirmed"

    def test_one_click_post_without_session_or_csrf_token_unsubscribes(self):
        """RFC 8058: the mail client posts List-Unsubscribe=One-Click with no cookie at all."""
        sub = make_sub()
        client = Client(enforce_csrf_checks=True)
        response = client.post(self.url(sub), "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert "已退订" in response.content.decode()
        sub.refresh_from_db()
        assert sub.status == "unsubscribed"
        assert sub.left_at is not None
        assert list(Subscriber.objects.receiving()) == []

    def test_unsubscribing_twice_is_fine(self, client):
        sub = make_sub()
        assert [client.post(self.url(sub)).status_code for _ in range(2)] == [200, 200]
        sub.refresh_from_db()
        assert sub.status == "unsubscribed"

    def test_a_complaint_stays_the_reason(self, client):
        sub = make_sub(status=Subscriber.Status.COMPLAINED)
        assert client.post(self.url(sub)).status_code == 200
        sub.refresh_from_db()
        assert sub.status == "complained"

    @pytest.mark.parametrize("token", ["x", "1.abc:forged", "9" * 5000])
    def test_a_forged_link_is_400_never_500(self, token):
        make_sub()
        client = Client(enforce_csrf_checks=True)
        assert client.get(f"/subscribe/unsubscribe/{token}/").status_code == 400
        assert client.post(f"/subscribe/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code == 400
        assert Subscriber.objects.get().status == "confirmed"

    def test_the_page_is_not_kept_by_the_page_cache(self, client):
        """Per person and changing: the second GET shows the new state, not a stored copy."""
        sub = make_sub()
        first = client.get(self.url(sub))
        assert "no-store" in first["Cache-Control"]
        client.post(self.url(sub))
        assert "已退订" in client.get(self.url(sub)).content.decode()


class TestQueryBudgets:
    """Counts that do not grow with the zones and topics there are or a reader chooses."""

    @pytest.fixture
    def zones(self):
        from zones.models import Zone

        return list(Zone.objects.order_by("pk").values_list("pk", flat=True)[:40])

    def test_subscribe_page(self, client, topic, django_assert_max_num_queries):
        with django_assert_max_num_queries(3):
            assert client.get("/subscribe/").status_code == 200

    def test_subscribing_with_forty_zones(self, client, zones, topic, django_assert_max_num_queries):
        assert len(zones) == 40
        with django_assert_max_num_queries(19):
            response = client.post("/subscribe/", {"email": "a@example.com", "zones": zones, "topics": [topic.pk]})
        assert response.status_code == 302
        assert Subscriber.objects.get().zones.count() == 40

    def test_manage_page_and_saving(self, client, zones, topic, django_assert_max_num_queries):
        sub = make_sub()
        sub.zones.set(zones)
        url = f"/subscribe/manage/{tokens.manage_token(sub)}/"
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200
        with django_assert_max_num_queries(11):
            assert client.post(url, {"action": "save", "zones": zones[:20], "topics": [topic.pk]}).status_code == 302

    def test_one_click_unsubscribe(self, client, django_assert_max_num_queries):
        sub = make_sub()
        with django_assert_max_num_queries(6):
            assert client.post(f"/subscribe/unsubscribe/{tokens.manage_token(sub)}/").status_code == 200
