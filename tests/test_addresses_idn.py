"""Addresses at internationalised domains: one mailbox is one subscriber, however it is typed."""
import pytest
from django.core.exceptions import ValidationError

from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.bounces import subscriber_stop
from newsroom.mailing.models import Subscriber


class TestInternationalisedDomains:
    @pytest.mark.parametrize("raw", ["user@例子.中国", "user@xn--fsqu00a.xn--fiqs8s", "ＵＳＥＲ＠例子．中国"])
    def test_a_chinese_domain_is_stored_as_mail_servers_spell_it(self, raw):
        assert normalise_email(raw) == "user@xn--fsqu00a.xn--fiqs8s"

    @pytest.mark.parametrize("raw", ["wang@163。com", "wang@163｡com", "ｗａｎｇ＠１６３。ｃｏｍ"])
    def test_the_ideographic_full_stop_a_chinese_input_method_types_is_a_dot(self, raw):
        assert normalise_email(raw) == "wang@163.com"

    def test_a_domain_too_long_once_spelled_in_ascii_is_refused(self):
        raw = "a@" + ".".join(["中国" * 10] * 10) + ".cn"  # 214 characters, 314 in ASCII
        with pytest.raises(ValidationError) as refused:
            normalise_email(raw)
        assert refused.value.messages == ["电子邮件地址太长（最多 254 个字符）。"]

    @pytest.mark.django_db
    def test_subscribing_twice_in_either_spelling_is_one_subscriber(self, client, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        client.post("/subscribe/", {"email": "user@例子.中国"})
        client.post("/subscribe/", {"email": "user@xn--fsqu00a.xn--fiqs8s"})
        assert list(Subscriber.objects.values_list("email", flat=True)) == ["user@xn--fsqu00a.xn--fiqs8s"]

    @pytest.mark.django_db
    def test_a_bounce_reported_in_ascii_stops_the_address_typed_in_chinese(self):
        Subscriber.objects.create(email=normalise_email("user@例子.中国"), status=Subscriber.Status.CONFIRMED)
        assert subscriber_stop(email="user@xn--fsqu00a.xn--fiqs8s", status=Subscriber.Status.BOUNCED,
                               reason="550", message_id=None) == 1
