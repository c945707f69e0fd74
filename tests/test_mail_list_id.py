"""The list headers as a mail client reads them off the wire, not as the code spells them."""
import email
import email.policy

import pytest

from newsroom.mailing import compose
from newsroom.mailing.models import Subscriber

pytestmark = pytest.mark.django_db


def wire_headers(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


class TestListIdOnTheWire:
    def test_the_list_id_is_readable_without_decoding_and_names_the_newsletter(self, make_issue, settings):
        """RFC 2919: a client filters on the <id>; only the Chinese name may be encoded."""
        settings.NEWSROOM_SITE_URL = "https://news.example.cn"
        sub = Subscriber.objects.create(email="a@example.com", status=Subscriber.Status.CONFIRMED)
        parsed = wire_headers(compose.issue_message(make_issue(3), to=sub.email, sub=sub))
        raw = dict(parsed.raw_items())["List-Id"]
        assert raw.endswith(" <newsletter.news.example.cn>")
        assert str(parsed["List-Id"]) == "高新区通讯 <newsletter.news.example.cn>"
