"""Zone and topic digests sent through a real SMTP server on loopback, by the sending engine:
who receives one, what it lists, its headers and plain text, and once a day only."""
import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsroom import tasks
from newsroom.mailing import compose, digests
from newsroom.mailing.models import Delivery, Mailing, Subscriber

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def one_connection(settings):
    # Several connections are threads, each with its own database connection, which a test's
    # transaction cannot share.
    settings.NEWSROOM_MAIL_CONNECTIONS = 1



@pytest.fixture
def reader(db):
    def make(email, *, zones=(), status=Subscriber.Status.CONFIRMED, confirmed_at=None):
        sub = Subscriber.objects.create(email=email, status=status,
                                        confirmed_at=confirmed_at or timezone.now() - 3 * DAY)
        sub.zones.set(zones)
        return sub
    return make


def send(now) -> Mailing:
    """The day's digest as the worker makes and sends it (tasks.send_digests, then send_mailing)."""
    mailing = digests.digest_mailing_start(now)
    tasks.send_mailing.call(mailing.pk)
    mailing.refresh_from_db()
    return mailing


def inbox(mail_server) -> dict[str, list[str]]:
    """Each recipient's received digests, as the headlines listed in their plain text."""
    received: dict[str, list[str]] = {}
    for message in mail_server.messages:
        [to] = message.rcpt_tos
        text = message.message.get_body(("plain",)).get_content()
        received.setdefault(to, []).append(text)
    return received


class TestDigestThroughSmtp:
    def test_each_reader_gets_the_articles_on_their_zones_and_never_a_draft(self, mail_server, reader, make_zone,
                                                                            make_article, make_issue):
        xian, chengdu = make_zone("西安高新区"), make_zone("成都高新区")
        now = timezone.now()
        make_article("西安已发布", zones=[xian], publish_at=now - 2 * HOUR)
        make_article("成都已发布", zones=[chengdu], publish_at=now - HOUR)
        make_article("西安草稿", zones=[xian], status=Article.Status.DRAFT)
        make_article("西安未发布期", zones=[xian], issue=make_issue(3, status="draft"))
        reader("xian@example.com", zones=[xian])
        reader("both@example.com", zones=[xian, chengdu])
        reader("none@example.com")
        reader("left@example.com", zones=[xian], status=Subscriber.Status.UNSUBSCRIBED)
        mailing = send(now)
        assert mailing.status == Mailing.Status.DONE
        received = inbox(mail_server)
        assert sorted(received) == ["both@example.com", "xian@example.com"]
        assert ["西安已发布" in received["xian@example.com"][0], "成都已发布" in received["xian@example.com"][0]] == [
            True, False]
        assert ["西安已发布" in received["both@example.com"][0], "成都已发布" in received["both@example.com"][0]] == [
            True, True]
        assert not any("草稿" in text or "未发布期" in text for texts in received.values() for text in texts)

    def test_the_message_has_one_click_unsubscribe_and_a_plain_text_part(self, mail_server, reader, make_zone,
                                                                         make_article):
        zone = make_zone("西安高新区")
        make_article("西安已发布", zones=[zone])
        sub = reader("xian@example.com", zones=[zone])
        send(timezone.now())
        [received] = mail_server.messages
        message = received.message
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Folded onto its own line by the sender: a long header may start with a space.
        assert message["List-Unsubscribe"].strip() == f"<{compose.unsubscribe_url(sub)}>"
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]

    def test_a_sent_digest_moves_the_reader_on_and_the_next_day_brings_only_newer_articles(
            self, mail_server, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        sub = reader("xian@example.com", zones=[zone])
        yesterday = send(now - DAY)
        sub.refresh_from_db()
        assert sub.digest_until == yesterday.until
        make_article("今天", zones=[zone], publish_at=now - HOUR)
        send(now)
        [first, second] = inbox(mail_server)["xian@example.com"]
        assert ("昨天" in first, "今天" in first) == (True, False)
        assert ("昨天" in second, "今天" in second) == (False, True)

    def test_a_reader_whose_only_article_was_withdrawn_is_skipped(self, mail_server, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        article = make_article("撤回的", zones=[zone])
        reader("xian@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
        tasks.send_mailing.call(mailing.pk)
        assert mail_server.messages == []
        assert list(mailing.deliveries.values_list("status", flat=True)) == [Delivery.Status.SKIPPED]

    def test_a_reader_who_bounced_after_queuing_is_skipped(self, mail_server, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        sub = reader("xian@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        Subscriber.objects.filter(pk=sub.pk).update(status=Subscriber.Status.BOUNCED)
        tasks.send_mailing.call(mailing.pk)
        assert mail_server.messages == []
        assert list(mailing.deliveries.values_list("status", flat=True)) == [Delivery.Status.SKIPPED]


class TestTasks:
    def test_send_digests_queues_the_send_of_the_new_mailing_once(self, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        reader("xian@example.com", zones=[zone])
        mailing_id = tasks.send_digests.call()
        assert tasks.send_digests.call() is None
        row = DBTaskResult.objects.get()
        assert (row.task_path, row.args_kwargs) == (
            "newsroom.tasks.send_mailing", {"args": [mailing_id], "kwargs": {}},
        )

    def test_send_mailing_sends_a_digest_with_the_digests_messages(self, mail_server, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        reader("xian@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        assert tasks.send_mailing.call(mailing.pk)["sent"] == 1
        assert "西安" in inbox(mail_server)["xian@example.com"][0]

    def test_the_scheduler_resumes_an_interrupted_mailing(self, reader, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        reader("xian@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        Mailing.objects.filter(pk=mailing.pk).update(heartbeat=timezone.now() - HOUR)
        scheduler = tasks.MailScheduler()
        scheduler.asked_at = timezone.now()  # today's digest was asked for already
        assert scheduler.tick(timezone.now()) == ["send_mailing"]
        row = DBTaskResult.objects.get()
        assert (row.task_path, row.args_kwargs) == (
            "newsroom.tasks.send_mailing", {"args": [mailing.pk], "kwargs": {}},
        )
