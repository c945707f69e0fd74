"""A provider's bounce and complaint reports (django-anymail's webhooks) stop mail to the address.

The payloads are the providers' own shapes, as in django-anymail's test suite
(tests/test_postmark_webhooks.py, tests/test_mailgun_webhooks.py, tests/test_mailjet_webhooks.py), posted with the basic
auth the provider is configured with.
"""
import base64
import hashlib
import hmac
import json
import os

import pytest
from django.utils import timezone

from newsroom import settings as project_settings
from newsroom.mailing.models import Delivery, Mailing, Subscriber

pytestmark = pytest.mark.django_db

SECRET = "hooks:Zq3-webhook-secret"
POSTMARK = "/anymail/postmark/tracking/"
MAILGUN = "/anymail/mailgun/tracking/"
MAILGUN_KEY = "mailgun-signing-key"
MAILJET = "/anymail/mailjet/tracking/"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def auth(secret=SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def post(client, url, payload, *, secret=SECRET, raw=None):
    headers = auth(secret) if secret else {}
    body = raw if raw is not None else json.dumps(payload)
    return client.post(url, data=body, content_type="application/json", **headers)


def confirmed(email: str) -> Subscriber:
    return Subscriber.objects.create(email=email, status=Subscriber.Status.CONFIRMED, confirmed_at=timezone.now())


def state(email: str) -> tuple[str, str]:
    sub = Subscriber.objects.get(email=email)
    return sub.status, sub.stop_reason


def postmark_bounce(email="bounce@example.com", type_="HardBounce", message_id="2706ee8a-737c-4285-b032-ccd317af53ed"):
    return {
        "RecordType": "Bounce", "ID": 901542550, "Type": type_, "TypeCode": 1, "ServerID": 23,
        "Name": "Hard bounce", "MessageID": message_id,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email, "From": "sender@example.com", "BouncedAt": "2016-04-27T16:28:50.3963933-04:00",
        "DumpAvailable": True, "Inactive": True, "CanActivate": True, "Subject": "Postmark event test",
        "Content": "...",
    }


POSTMARK_COMPLAINT = {
    "RecordType": "SpamComplaint", "ID": 901542550, "Type": "SpamComplaint", "TypeCode": 512,
    "Name": "Spam complaint", "Tag": "Test", "MessageID": "2706ee8a-737c-4285-b032-ccd317af53ed",
    "ServerID": 1234, "Description": "", "Details": "Test spam complaint details", "Email": "spam@example.com",
    "From": "sender@example.com", "BouncedAt": "2016-04-27T16:28:50.3963933-04:00", "DumpAvailable": True,
    "Inactive": True, "CanActivate": False, "Subject": "Postmark event test",
}

POSTMARK_UNSUBSCRIBE = {
    "RecordType": "SubscriptionChange", "MessageID": "a4909a96-73d7-4c49-b148-a54522d3f7ac", "ServerID": 23,
    "MessageStream": "outbound", "ChangedAt": "2022-06-05T17:17:32Z", "Recipient": "john@example.com",
    "Origin": "Recipient", "SuppressSending": True, "SuppressionReason": "ManualSuppression",
    "Tag": "welcome-email", "Metadata": {"example": "value", "example_2": "value"},
}



def mailgun(event_data: dict, *, key=MAILGUN_KEY) -> dict:
    """A Mailgun webhook body signed as Mailgun signs it (HMAC-SHA256 of timestamp and token)."""
    timestamp, token = "1534110422", "1234567890abcdef1234567890abcdef"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}


def mailgun_failed(email="invalid@example.com", *, severity="permanent", reason="bounce"):
    return {
        "event": "failed", "severity": severity, "reason": reason, "recipient": email,
        "timestamp": 1534110422.389832, "log-level": "error",
        "message": {"headers": {"to": email, "message-id": "20180812214658.1.0DF563D0B3597700@example.org",
                                "from": "Test Sender "}},
        "delivery-status": {
            "tls": True, "mx-host": "aspmx.l.example.org", "attempt-no": 1, "description": "",
            "session-seconds": 2.952177047729492, "utf8": True, "code": 550 if severity == "permanent" else 450,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "certificate-verified": True,
        },
    }


MAILGUN_COMPLAINED = {
    "event": "complained", "id": "ncV2XwymRUKbPek_MIM-Gw", "timestamp": 1377214260.049634, "log-level": "warn",
    "recipient": "recipient@example.com",
    "message": {"headers": {"to": "foo@recipient.com", "message-id": "20130718032413.263EE2E0926@example.org",
                            "from": "Sender Name <sender@example.org>", "subject": "We are not spammer"}},
}


class TestPostmark:
    def test_a_hard_bounce_stops_the_address(self, client):
        confirmed("bounce@example.com")
        assert post(client, POSTMARK, postmark_bounce()).status_code == 200
        assert state("bounce@example.com") == (
            Subscriber.Status.BOUNCED,
            "退信（Postmark）：The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        )
        assert list(Subscriber.objects.receiving()) == []

    def test_the_bounced_delivery_records_the_bounce(self, client):
        sub = confirmed("bounce@example.com")
        mailing = Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=timezone.localdate())
        other = Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=timezone.localdate() - timezone.timedelta(1))
        Delivery.objects.create(mailing=mailing, subscriber=sub, email=sub.email, status=Delivery.Status.SENT,
                                message_id="<2706ee8a-737c-4285-b032-ccd317af53ed>")
        Delivery.objects.create(mailing=other, subscriber=sub, email=sub.email, status=Delivery.Status.SENT,
                                message_id="<another@example.com>")
        post(client, POSTMARK, postmark_bounce())
        assert sorted(Delivery.objects.values_list("message_id", "status", "error")) == [
            ("<2706ee8a-737c-4285-b032-ccd317af53ed>", Delivery.Status.FAILED,
             "退信（Postmark）：The server was unable to deliver your message (ex: unknown user, mailbox not found)."),
            ("<another@example.com>", Delivery.Status.SENT, ""),
        ]

    def test_a_soft_bounce_changes_nothing(self, client):
        confirmed("bounce@example.com")
        assert post(client, POSTMARK, postmark_bounce(type_="SoftBounce")).status_code == 200
        assert post(client, POSTMARK, postmark_bounce(type_="Transient")).status_code == 200
        assert state("bounce@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_a_complaint_stops_the_address(self, client):
        confirmed("spam@example.com")
        assert post(client, POSTMARK, POSTMARK_COMPLAINT).status_code == 200
        assert state("spam@example.com") == (Subscriber.Status.COMPLAINED, "投诉（Postmark）：Test spam complaint details")

    def test_an_unsubscribe_at_the_provider_unsubscribes(self, client):
        confirmed("john@example.com")
        assert post(client, POSTMARK, POSTMARK_UNSUBSCRIBE).status_code == 200
        assert state("john@example.com") == (Subscriber.Status.UNSUBSCRIBED, "在 Postmark 退订")

    def test_an_unsubscribe_does_not_hide_an_earlier_complaint(self, client):
        confirmed("john@example.com")
        post(client, POSTMARK, {**POSTMARK_COMPLAINT, "Email": "john@example.com"})
        post(client, POSTMARK, POSTMARK_UNSUBSCRIBE)
        assert state("john@example.com") == (Subscriber.Status.COMPLAINED, "投诉（Postmark）：Test spam complaint details")

    def test_the_reported_address_is_matched_in_its_stored_form(self, client):
        confirmed("bounce@example.com")
        post(client, POSTMARK, postmark_bounce(email="  Bounce@EXAMPLE.com"))
        assert state("bounce@example.com")[0] == Subscriber.Status.BOUNCED

    def test_a_bounce_for_an_unknown_address_changes_nothing(self, client):
        confirmed("reader@example.com")
        assert post(client, POSTMARK, postmark_bounce(email="stranger@example.com")).status_code == 200
        assert state("reader@example.com") == (Subscriber.Status.CONFIRMED, "")
        assert Subscriber.objects.count() == 1


class TestMailgun:
    def test_a_permanent_failure_stops_the_address(self, client):
        confirmed("invalid@example.com")
        assert post(client, MAILGUN, mailgun(mailgun_failed())).status_code == 200
        assert state("invalid@example.com") == (
            Subscriber.Status.BOUNCED,
            "退信（Mailgun）：5.1.1 The email account that you tried to reach does not exist.",
        )

    def test_the_delivery_is_found_by_its_message_id_header(self, client):
        """Mailgun reports the Message-ID without the angle brackets the header has."""
        sub = confirmed("invalid@example.com")
        mailing = Mailing.objects.create(kind=Mailing.Kind.DIGEST, day=timezone.localdate())
        Delivery.objects.create(mailing=mailing, subscriber=sub, email=sub.email, status=Delivery.Status.SENT,
                                message_id="<20180812214658.1.0DF563D0B3597700@example.org>")
        post(client, MAILGUN, mailgun(mailgun_failed()))
        assert Delivery.objects.get().status == Delivery.Status.FAILED

    def test_a_temporary_failure_changes_nothing(self, client):
        confirmed("invalid@example.com")
        assert post(client, MAILGUN, mailgun(mailgun_failed(severity="temporary", reason="generic"))).status_code == 200
        assert state("invalid@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_a_complaint_stops_the_address(self, client):
        confirmed("recipient@example.com")
        assert post(client, MAILGUN, mailgun(MAILGUN_COMPLAINED)).status_code == 200
        assert state("recipient@example.com")[0] == Subscriber.Status.COMPLAINED

    def test_a_wrong_signature_changes_nothing(self, client):
        confirmed("invalid@example.com")
        assert post(client, MAILGUN, mailgun(mailgun_failed(), key="not-the-key")).status_code == 400
        assert state("invalid@example.com") == (Subscriber.Status.CONFIRMED, "")


def mailjet(email="invalid@example.com", **fields) -> list[dict]:
    return [{
        "event": "bounce", "time": 1498093527, "MessageID": 12345678901234567, "email": email,
        "mj_campaign_id": 1234567890, "mj_contact_id": 9876543210, "customcampaign": "", "blocked": True,
        "hard_bounce": True, "error_related_to": "domain", "error": "invalid domain", **fields,
    }]


class TestMailjet:
    def test_a_hard_bounce_stops_the_address(self, client):
        confirmed("invalid@example.com")
        assert post(client, MAILJET, mailjet()).status_code == 200
        assert state("invalid@example.com") == (Subscriber.Status.BOUNCED, "退信（Mailjet）：bounced")

    def test_a_full_mailbox_changes_nothing(self, client):
        confirmed("invalid@example.com")
        soft = mailjet(hard_bounce=False, error_related_to="recipient", error="quota exceeded")
        assert post(client, MAILJET, soft).status_code == 200
        assert state("invalid@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_a_message_blocked_for_a_mistyped_address_stops_it(self, client):
        confirmed("bad@example.com")
        blocked = mailjet("bad@example.com", event="blocked", error="typofix")
        assert post(client, MAILJET, blocked).status_code == 200
        assert state("bad@example.com")[0] == Subscriber.Status.BOUNCED

    def test_a_message_blocked_for_an_earlier_complaint_records_the_complaint(self, client):
        confirmed("spam@example.com")
        blocked = mailjet("spam@example.com", event="blocked", error_related_to="recipient", error="spam reporter")
        assert post(client, MAILJET, blocked).status_code == 200
        assert state("spam@example.com")[0] == Subscriber.Status.COMPLAINED

    def test_a_message_blocked_for_its_content_changes_nothing(self, client):
        confirmed("reader@example.com")
        blocked = mailjet("reader@example.com", event="blocked", error_related_to="spam", error="content blocked")
        assert post(client, MAILJET, blocked).status_code == 200
        assert state("reader@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_an_unsubscribe_at_the_provider_unsubscribes(self, client):
        confirmed("recipient@example.com")
        unsub = [{"event": "unsub", "time": 1498093527, "MessageID": 12345678901234567,
                  "email": "recipient@example.com", "mj_campaign_id": 1234567890, "mj_contact_id": 9876543210,
                  "customcampaign": "", "mj_list_id": 0, "ip": "127.0.0.4", "geo": "", "agent": "List-Unsubscribe"}]
        assert post(client, MAILJET, unsub).status_code == 200
        assert state("recipient@example.com") == (Subscriber.Status.UNSUBSCRIBED, "在 Mailjet 退订")


class TestHostileRequests:
    @pytest.mark.parametrize("secret", [None, "hooks:wrong", "hooks:Zq3-webhook-secre", ""])
    def test_without_the_secret_nothing_changes(self, client, secret):
        confirmed("bounce@example.com")
        assert post(client, POSTMARK, postmark_bounce(), secret=secret).status_code == 400
        assert post(client, MAILGUN, mailgun(mailgun_failed("bounce@example.com")), secret=secret).status_code == 400
        assert state("bounce@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_without_a_configured_secret_every_report_is_refused(self, client, settings):
        """The default settings make up a secret nobody knows rather than leave the hooks open."""
        assert "ANYMAIL_WEBHOOK_SECRET" not in os.environ
        settings.ANYMAIL = project_settings.ANYMAIL
        assert len(settings.ANYMAIL["WEBHOOK_SECRET"]) == 43
        confirmed("bounce@example.com")
        assert post(client, POSTMARK, postmark_bounce(), secret=None).status_code == 400
        assert state("bounce@example.com")[0] == Subscriber.Status.CONFIRMED

    @pytest.mark.parametrize("raw", [
        "not json", "", "[]", "null", "42", '"text"', "{}", '{"RecordType": "Bounce"}',
        '{"RecordType": "Bounce", "Type": "HardBounce", "Email": 12}',
        '{"RecordType": "Bounce", "Type": "NoSuchType", "Email": "bounce@example.com"}',
        '{"RecordType": ["Bounce"], "Email": "bounce@example.com"}',
        '{"RecordType": "Bounce", "Type": "HardBounce", "Email": "bounce@example.com\\u0000"}',
        '{"RecordType": "Bounce", "Type": "HardBounce", "Email": "not an address"}',
        "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
        "[" * 5000,
    ])
    def test_a_hostile_postmark_body_is_no_server_error_and_changes_nothing(self, client, raw):
        confirmed("bounce@example.com")
        response = post(client, POSTMARK, None, raw=raw)
        assert response.status_code in (200, 400)
        assert state("bounce@example.com") == (Subscriber.Status.CONFIRMED, "")

    @pytest.mark.parametrize("event_data", [
        {}, {"event": "failed"}, {"event": "failed", "severity": "permanent", "recipient": ["x"]},
        {"event": "failed", "severity": "permanent", "recipient": "bounce@example.com", "timestamp": "yesterday"},
        {"event": "failed", "severity": "permanent", "recipient": "bounce@example.com", "delivery-status": 7},
        {"event": "failed", "severity": "permanent", "recipient": "bounce@example.com", "message": "x"},
    ])
    def test_a_hostile_mailgun_body_is_no_server_error_and_changes_nothing(self, client, event_data):
        """Signed correctly (a leaked key), but not Mailgun's shape."""
        confirmed("bounce@example.com")
        response = post(client, MAILGUN, mailgun(event_data))
        assert response.status_code in (200, 400)
        assert state("bounce@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_a_provider_not_set_up_here_is_not_found(self, client, settings):
        """Mailgun's webhook needs its signing key; without it anymail would raise, not answer."""
        settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
        confirmed("invalid@example.com")
        assert post(client, MAILGUN, mailgun(mailgun_failed())).status_code == 404
        assert state("invalid@example.com") == (Subscriber.Status.CONFIRMED, "")

    def test_a_get_is_not_allowed(self, client):
        assert client.get(POSTMARK, **auth()).status_code == 405

    @pytest.mark.parametrize("path", ["/anymail/sendgrid/tracking/", "/anymail/sendinblue/tracking/"])
    def test_providers_anymail_retired_are_not_routed(self, client, path):
        assert post(client, path, [{"event": "bounce", "email": "bounce@example.com"}]).status_code == 404

    def test_inbound_mail_webhooks_are_not_routed(self, client):
        assert post(client, "/anymail/postmark/inbound/", {"RecordType": "Inbound"}).status_code == 404
