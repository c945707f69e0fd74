"""The email edition's core rules: one form of an address, signed links, list headers."""
import datetime

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from newsroom.mailing import compose, tokens
from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Delivery, Mailing, Subscriber

pytestmark = pytest.mark.django_db


class TestNormaliseEmail:
    def test_full_width_input_becomes_ascii_and_lower_case(self):
        assert normalise_email("  Ｚｈａｎｇ．Ｓａｎ＠Ｅｘａｍｐｌｅ．ＣＯＭ \n") == "zhang.san@example.com"

    @pytest.mark.parametrize("raw", ["", "   ", "zhang", "zhang@", "@example.com", "a b@example.com",
                                     "zhang@example.com\x00", "zhang\u200b@example.com", None, 42])
    def test_refuses_what_is_not_an_address(self, raw):
        with pytest.raises(ValidationError):
            normalise_email(raw)

    def test_refuses_an_address_longer_than_smtp_allows(self):
        with pytest.raises(ValidationError) as caught:
            normalise_email("a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com")
        assert caught.value.messages == ["电子邮件地址太长（最多 254 个字符）。"]


class TestTokens:
    def test_manage_token_names_its_subscriber_until_the_key_rotates(self):
        sub = Subscriber.objects.create(email="a@example.com")
        token = tokens.manage_token(sub)
        assert tokens.subscriber_for_manage(token) == sub
        sub.key = "rotated"
        sub.save()
        assert tokens.subscriber_for_manage(token) is None

    def test_tokens_of_one_kind_do_not_open_the_other(self):
        sub = Subscriber.objects.create(email="a@example.com")
        assert tokens.subscriber_for_confirm(tokens.manage_token(sub)) is None
        assert tokens.subscriber_for_manage(tokens.confirm_token(sub)) is None

    @pytest.mark.parametrize("token", ["", "x", "1.abc:forged", "../../etc", "\x00", "9" * 500])
    def test_forged_tokens_name_nobody(self, token):
        Subscriber.objects.create(email="a@example.com")
        assert tokens.subscriber_for_manage(token) is None
        assert tokens.subscriber_for_confirm(token) is None

    def test_a_confirmation_link_expires_after_three_days(self, monkeypatch):
        sub = Subscriber.objects.create(email="a@example.com")
        token = tokens.confirm_token(sub)
        later = tokens.CONFIRM_MAX_AGE + datetime.timedelta(seconds=1)
        real_time = signing.time.time
        monkeypatch.setattr(signing.time, "time", lambda: real_time() + later.total_seconds())
        assert tokens.subscriber_for_confirm(token) is None


class TestDatabaseRules:
    def test_one_delivery_per_subscriber_and_mailing(self):
        sub = Subscriber.objects.create(email="a@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=datetime.date(2026, 11, 29))
        Delivery.objects.create(mailing=mailing, subscriber=sub, email=sub.email)
        with pytest.raises(IntegrityError), transaction.atomic():
            Delivery.objects.create(mailing=mailing, subscriber=sub, email=sub.email)

    def test_one_digest_mailing_per_day(self):
        Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=datetime.date(2026, 11, 29))
        with pytest.raises(IntegrityError), transaction.atomic():
            Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=datetime.date(2026, 11, 29))

    def test_only_confirmed_subscribers_receive(self):
        for status in Subscriber.Status.values:
            Subscriber.objects.create(email=f"{status}@example.com", status=status)
        assert list(Subscriber.objects.receiving().values_list("email", flat=True)) == ["confirmed@example.com"]


class TestListHeaders:
    def test_one_click_unsubscribe_headers(self, settings):
        settings.NEWSROOM_SITE_URL = "https://news.example.cn"
        sub = Subscriber.objects.create(email="a@example.com")
        headers = compose.list_headers(sub)
        assert headers == {
            "List-Unsubscribe": f"<https://news.example.cn/subscribe/unsubscribe/{tokens.manage_token(sub)}/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "=?utf-8?b?6auY5paw5Yy66YCa6K6v?= <newsletter.news.example.cn>",
        }


class TestIssueMessage:
    def test_lists_published_articles_in_print_order_and_never_a_draft(self, make_issue, make_article, settings):
        settings.NEWSROOM_SITE_URL = "https://news.example.cn"
        issue = make_issue(3)
        make_article("第二篇 <b>&</b>", issue=issue, position=2)
        make_article("第一篇", issue=issue, position=1)
        make_article("草稿不发", issue=issue, position=3, status="draft")
        sub = Subscriber.objects.create(email="a@example.com", status=Subscriber.Status.CONFIRMED)
        message = compose.issue_message(issue, to=sub.email, sub=sub)
        html = message.alternatives[0][0]
        assert message.to == ["a@example.com"]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "草稿不发" not in html and "草稿不发" not in message.body
        assert html.index("第一篇") < html.index("第二篇 &lt;b&gt;&amp;&lt;/b&gt;")
        assert "第二篇 <b>&</b>" in message.body
        manage = compose.manage_url(sub)
        assert manage.startswith("https://news.example.cn/subscribe/manage/")
        assert html.count(manage) == 1 and message.body.count(manage) == 1
        assert "newsroom-manage-" not in html + message.body
        assert "newsroom-unsubscribe-" not in html + message.body

    def test_an_editors_test_copy_has_no_list_headers(self, make_issue):
        issue = make_issue(3)
        message = compose.issue_message(issue, to="editor@example.com", sub=None)
        assert message.subject == "[测试] 《高新区通讯》第3期"
        assert "List-Unsubscribe" not in message.extra_headers
