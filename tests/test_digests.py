"""Zone and topic alerts: who gets a digest, what it carries, and that it goes at most once a day."""
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsroom import tasks
from newsroom.mailing import digests
from newsroom.mailing.models import Delivery, Mailing, Subscriber

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def subscriber(db):
    """A confirmed subscriber who confirmed two days ago, with the given zones and topics."""

    def make(email, *, zones=(), topics=(), confirmed_at=None, status=Subscriber.Status.CONFIRMED):
        sub = Subscriber.objects.create(
            email=email, status=status, confirmed_at=confirmed_at or timezone.now() - 2 * DAY,
        )
        sub.zones.set(zones)
        sub.topics.set(_tags(topics))
        return sub

    return make


def _tags(names):
    from taggit.models import Tag

    return [Tag.objects.get_or_create(name=name, defaults={"slug": f"t{abs(hash(name))}"})[0] for name in names]


def headlines(articles) -> list[str]:
    return [article.headline for article in articles]


def queued(mailing) -> list[str]:
    return sorted(mailing.deliveries.filter(status=Delivery.Status.QUEUED).values_list("email", flat=True))


def send(mailing, *, status=Delivery.Status.SENT) -> None:
    """What the engine does with each delivery, in the transaction that records the outcome."""
    for delivery in mailing.deliveries.all():
        delivery.status = status
        delivery.save(update_fields=["status"])
        if status == Delivery.Status.SENT:
            digests.digest_sent(delivery)


class TestWhatADigestCarries:
    def test_drafts_future_and_unpublished_issue_articles_never_appear(self, subscriber, make_zone, make_article,
                                                                       make_issue):
        zone = make_zone("西安高新区")
        hidden_issue = make_issue(1, status="draft")
        make_article("已发布", zones=[zone], publish_at=timezone.now() - 2 * HOUR)
        make_article("草稿", zones=[zone], status=Article.Status.DRAFT)
        make_article("待审", zones=[zone], status=Article.Status.REVIEW)
        make_article("已归档", zones=[zone], status=Article.Status.ARCHIVED)
        make_article("定时发布", zones=[zone], publish_at=timezone.now() + HOUR)
        make_article("未发布期的文章", zones=[zone], issue=hidden_issue)
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        assert queued(mailing) == ["a@example.com"]
        assert headlines(digests.digest_articles(sub, mailing)) == ["已发布"]

    def test_a_future_article_stays_out_even_when_the_window_reaches_past_it(self, subscriber, make_zone,
                                                                            make_article):
        """published() decides, not the window: a mailing whose `until` lies ahead carries nothing not yet due."""
        zone = make_zone("西安高新区")
        make_article("定时发布", zones=[zone], publish_at=timezone.now() + HOUR)
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now() + 2 * HOUR)
        assert queued(mailing) == []
        assert digests.digest_articles(sub, mailing) == []

    def test_zones_pick_exactly_the_articles_that_mention_them(self, subscriber, make_zone, make_article):
        xian, chengdu, jinan = make_zone("西安高新区"), make_zone("成都高新区"), make_zone("济南高新区")
        now = timezone.now()
        make_article("西安", zones=[xian], publish_at=now - 5 * HOUR)
        make_article("成都", zones=[chengdu], publish_at=now - 4 * HOUR)
        make_article("济南", zones=[jinan], publish_at=now - 3 * HOUR)
        make_article("济南和西安", zones=[jinan, xian], publish_at=now - 2 * HOUR)
        make_article("没有高新区", publish_at=now - HOUR)
        sub = subscriber("a@example.com", zones=[xian, chengdu])
        mailing = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, mailing)) == ["西安", "成都", "济南和西安"]

    def test_topics_pick_exactly_the_articles_tagged_with_them(self, subscriber, make_article):
        now = timezone.now()
        make_article("芯片", tags=["芯片"], publish_at=now - 4 * HOUR)
        make_article("氢能", tags=["氢能"], publish_at=now - 3 * HOUR)
        make_article("芯片与氢能", tags=["芯片", "氢能"], publish_at=now - 2 * HOUR)
        make_article("生物医药", tags=["生物医药"], publish_at=now - HOUR)
        sub = subscriber("a@example.com", topics=["芯片", "氢能"])
        mailing = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, mailing)) == ["芯片", "氢能", "芯片与氢能"]

    def test_zones_and_topics_together_list_each_article_once(self, subscriber, make_zone, make_article):
        xian = make_zone("西安高新区")
        make_article("西安芯片", zones=[xian], tags=["芯片"])
        sub = subscriber("a@example.com", zones=[xian], topics=["芯片"])
        mailing = digests.digest_mailing_start(timezone.now())
        assert headlines(digests.digest_articles(sub, mailing)) == ["西安芯片"]

    def test_an_article_of_an_issue_published_today_is_news_today(self, subscriber, make_zone, make_article,
                                                                  make_issue):
        """Its publish_at is last week, before yesterday's digest, but readers could not see it
        until its issue went out this morning."""
        zone = make_zone("西安高新区")
        now = timezone.now()
        issue = make_issue(7, status="draft")
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        make_article("上周写好的", zones=[zone], issue=issue, publish_at=now - 7 * DAY)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 10 * DAY)
        yesterday = digests.digest_mailing_start(now - DAY)
        assert headlines(digests.digest_articles(sub, yesterday)) == ["昨天"]
        send(yesterday)
        issue.status, issue.published_at = "published", now - HOUR
        issue.save()
        today = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, today)) == ["上周写好的"]


class TestWhoGetsOne:
    def test_a_subscriber_who_chose_nothing_gets_nothing(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        subscriber("none@example.com")
        subscriber("zone@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        assert queued(mailing) == ["zone@example.com"]

    def test_only_receiving_subscribers_are_queued(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        for status in Subscriber.Status:
            subscriber(f"{status.value}@example.com", zones=[zone], status=status)
        mailing = digests.digest_mailing_start(timezone.now())
        assert queued(mailing) == ["confirmed@example.com"]

    def test_a_subscriber_without_news_is_not_queued(self, subscriber, make_zone, make_article):
        xian, chengdu = make_zone("西安高新区"), make_zone("成都高新区")
        make_article("西安", zones=[xian])
        subscriber("xian@example.com", zones=[xian])
        subscriber("chengdu@example.com", zones=[chengdu])
        mailing = digests.digest_mailing_start(timezone.now())
        assert queued(mailing) == ["xian@example.com"]

    def test_a_mailing_with_nobody_to_send_to_is_done_at_once(self, subscriber):
        subscriber("none@example.com")
        now = timezone.now()
        mailing = digests.digest_mailing_start(now)
        assert (mailing.status, mailing.finished_at, mailing.deliveries.count()) == (Mailing.Status.DONE, now, 0)

    def test_one_who_confirmed_today_does_not_get_older_articles(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("确认之前", zones=[zone], publish_at=now - 2 * HOUR)
        make_article("确认之后", zones=[zone], publish_at=now - 10 * datetime.timedelta(minutes=1))
        sub = subscriber("new@example.com", zones=[zone], confirmed_at=now - HOUR)
        mailing = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, mailing)) == ["确认之后"]

    def test_one_who_confirmed_after_the_last_article_is_not_queued(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("确认之前", zones=[zone], publish_at=timezone.now() - 2 * HOUR)
        subscriber("new@example.com", zones=[zone], confirmed_at=timezone.now() - HOUR)
        assert queued(digests.digest_mailing_start(timezone.now())) == []


class TestQueries:
    def test_queuing_takes_the_same_queries_for_one_subscriber_or_many(self, subscriber, make_zone, make_article,
                                                                       django_assert_num_queries):
        """A fixed number of queries, whatever the number of subscribers and articles:
        10,000 subscribers must not mean 10,000 queries."""
        xian, chengdu = make_zone("西安高新区"), make_zone("成都高新区")
        make_article("西安", zones=[xian])
        make_article("芯片", tags=["芯片"])
        subscriber("a@example.com", zones=[xian])
        with django_assert_num_queries(14):
            digests.digest_mailing_start(timezone.now() - DAY)
        for n in range(20):
            subscriber(f"z{n}@example.com", zones=[xian, chengdu], topics=["芯片"])
            make_article(f"成都 {n}", zones=[chengdu])
        with django_assert_num_queries(14):
            mailing = digests.digest_mailing_start(timezone.now())
        assert mailing.deliveries.count() == 21


    def test_recording_a_sent_digest_is_one_query(self, subscriber, make_zone, make_article,
                                                  django_assert_num_queries):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        delivery = Delivery.objects.get()
        with django_assert_num_queries(1):
            digests.digest_sent(delivery)
        sub.refresh_from_db()
        assert sub.digest_until == mailing.until


class TestReach:
    def test_a_reader_back_from_a_long_pause_gets_the_last_week_only(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("八天前", zones=[zone], publish_at=now - 8 * DAY)
        make_article("六天前", zones=[zone], publish_at=now - 6 * DAY)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 90 * DAY)
        mailing = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, mailing)) == ["六天前"]

    def test_nobody_is_queued_for_articles_older_than_a_week(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("八天前", zones=[zone], publish_at=timezone.now() - 8 * DAY)
        subscriber("a@example.com", zones=[zone], confirmed_at=timezone.now() - 90 * DAY)
        assert queued(digests.digest_mailing_start(timezone.now())) == []


class TestOnceADay:
    def test_two_runs_the_same_day_make_one_mailing(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        subscriber("a@example.com", zones=[zone])
        now = timezone.now()
        first = digests.digest_mailing_start(now)
        assert digests.digest_mailing_start(now + HOUR) is None
        assert list(Mailing.objects.values_list("pk", flat=True)) == [first.pk]
        assert Delivery.objects.count() == 1

    def test_the_day_is_the_newsrooms_local_day(self, subscriber):
        """23:30 UTC is 07:30 the next morning in Shanghai: another day's digest than 15:00 UTC."""
        evening = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
        first = digests.digest_mailing_start(evening)
        second = digests.digest_mailing_start(evening + datetime.timedelta(hours=8, minutes=30))
        assert (first.day, second.day) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 3))

    def test_the_next_day_brings_only_newer_articles(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 3 * DAY)
        yesterday = digests.digest_mailing_start(now - DAY)
        assert headlines(digests.digest_articles(sub, yesterday)) == ["昨天"]
        send(yesterday)
        make_article("今天", zones=[zone], publish_at=now - HOUR)
        today = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, today)) == ["今天"]
        sub.refresh_from_db()
        assert sub.digest_until == yesterday.until

    def test_articles_of_a_digest_that_failed_come_the_next_day(self, subscriber, make_zone, make_article):
        """Nothing lost: only a digest that may have reached the reader covers its articles."""
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 3 * DAY)
        send(digests.digest_mailing_start(now - DAY), status=Delivery.Status.FAILED)
        make_article("今天", zones=[zone], publish_at=now - HOUR)
        today = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, today)) == ["昨天", "今天"]
        sub.refresh_from_db()
        assert sub.digest_until is None

    def test_a_digest_interrupted_mid_send_is_not_repeated(self, subscriber, make_zone, make_article):
        """Nothing twice: UNKNOWN (maybe delivered) covers its articles as SENT does."""
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 3 * DAY)
        send(digests.digest_mailing_start(now - DAY), status=Delivery.Status.UNKNOWN)
        today = digests.digest_mailing_start(now)
        assert queued(today) == []
        assert digests.digest_articles(sub, today) == []

    def test_an_older_digest_sent_after_a_newer_one_is_empty(self, subscriber, make_zone, make_article):
        """Yesterday's delivery still queued when today's went out: sending it now would repeat."""
        zone = make_zone("西安高新区")
        now = timezone.now()
        make_article("昨天", zones=[zone], publish_at=now - 30 * HOUR)
        sub = subscriber("a@example.com", zones=[zone], confirmed_at=now - 3 * DAY)
        yesterday = digests.digest_mailing_start(now - DAY)
        today = digests.digest_mailing_start(now)
        assert headlines(digests.digest_articles(sub, today)) == ["昨天"]
        send(today)
        assert digests.digest_articles(sub, yesterday) == []
        sub.refresh_from_db()
        assert sub.digest_until == today.until


class TestMessage:
    def test_the_message_lists_the_articles_with_the_one_click_headers(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        article = make_article("西安新闻", zones=[zone], standfirst="导语一句。")
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        message = digests.digest_messages(mailing)(sub)
        assert message.to == ["a@example.com"]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"http://127.0.0.1:8000{article.get_absolute_url()}" in message.body
        assert "西安新闻" in message.alternatives[0][0]

    def test_an_article_unpublished_after_queuing_is_not_sent(self, subscriber, make_zone, make_article):
        """The content is computed at send time, through the visibility rule."""
        zone = make_zone("西安高新区")
        article = make_article("撤回的", zones=[zone])
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
        assert digests.digest_messages(mailing)(sub) is None

    def test_a_subscriber_who_dropped_every_choice_gets_nothing(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        sub = subscriber("a@example.com", zones=[zone])
        mailing = digests.digest_mailing_start(timezone.now())
        sub.zones.clear()
        assert digests.digest_messages(mailing)(sub) is None


class TestSchedule:
    @pytest.mark.parametrize(("utc", "last_day", "due"), [
        # 07:59 in Shanghai: before the hour.
        (datetime.datetime(2026, 3, 2, 23, 59), datetime.date(2026, 3, 2), False),
        # 08:00 in Shanghai on the 3rd, yesterday's made: due.
        (datetime.datetime(2026, 3, 3, 0, 0), datetime.date(2026, 3, 2), True),
        # 08:00, today's made already.
        (datetime.datetime(2026, 3, 3, 0, 0), datetime.date(2026, 3, 3), False),
        # 23:59 in Shanghai, never made one: due.
        (datetime.datetime(2026, 3, 3, 15, 59), None, True),
        # 00:30 in Shanghai: a new day, but not the hour yet.
        (datetime.datetime(2026, 3, 3, 16, 30), datetime.date(2026, 3, 3), False),
    ])
    def test_a_digest_is_due_once_the_hour_has_passed_and_none_was_made_today(self, utc, last_day, due):
        now = utc.replace(tzinfo=datetime.UTC)
        assert digests.digest_due(now, hour=8, last_day=last_day) is due

    def test_send_digests_makes_todays_mailing_once(self, subscriber, make_zone, make_article):
        zone = make_zone("西安高新区")
        make_article("西安", zones=[zone])
        subscriber("a@example.com", zones=[zone])
        out = StringIO()
        call_command("send_digests", stdout=out)
        call_command("send_digests", stdout=out)
        mailing = Mailing.objects.get()
        assert out.getvalue() == (
            f"已生成今天的提醒（{mailing.day}）：1 位订阅者。\n"
            f"今天的提醒（{mailing.day}）已经生成过，没有再生成。\n"
        )
        assert mailing.deliveries.get().email == "a@example.com"


class TestScheduler:
    def test_a_check_after_the_hour_asks_the_worker_for_the_digest_once(self, settings):
        settings.NEWSROOM_DIGEST_HOUR = 8
        scheduler = tasks.MailScheduler()
        morning = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)  # 08:30 in Shanghai
        assert scheduler.tick(morning - HOUR) == []
        assert scheduler.tick(morning) == ["send_digests"]
        assert scheduler.tick(morning + datetime.timedelta(minutes=1)) == []
        assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
            ("newsroom.tasks.send_digests", "READY"),
        ]

    def test_it_asks_again_when_the_digest_was_still_not_made(self, settings):
        """The worker was down: a quarter of an hour later the scheduler asks once more."""
        settings.NEWSROOM_DIGEST_HOUR = 8
        scheduler = tasks.MailScheduler()
        morning = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)
        assert scheduler.tick(morning) == ["send_digests"]
        assert scheduler.tick(morning + datetime.timedelta(minutes=14)) == []
        assert scheduler.tick(morning + datetime.timedelta(minutes=15)) == ["send_digests"]

    def test_once_the_digest_is_made_nothing_more_is_asked_that_day(self, settings):
        settings.NEWSROOM_DIGEST_HOUR = 8
        morning = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)
        digests.digest_mailing_start(morning)
        assert tasks.MailScheduler().tick(morning + HOUR) == []
        assert tasks.MailScheduler().tick(morning + DAY) == ["send_digests"]

    def test_the_command_checks_once_and_enqueues(self, settings):
        settings.NEWSROOM_DIGEST_HOUR = 0
        out = StringIO()
        call_command("mail_scheduler", "--once", stdout=out)
        assert out.getvalue().endswith(" 已交给后台任务进程：send_digests\n")
        assert DBTaskResult.objects.get().task_path == "newsroom.tasks.send_digests"

    def test_a_database_error_is_reported_and_the_scheduler_goes_on(self, monkeypatch):
        """A database restarting must not end the scheduler, which would take `serve` down."""
        def unavailable(self, now):
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(tasks.MailScheduler, "tick", unavailable)
        err = StringIO()
        call_command("mail_scheduler", "--once", stdout=StringIO(), stderr=err)
        assert err.getvalue().endswith(" 数据库暂时不可用，下次再试：server closed the connection unexpectedly\n")

    def test_the_command_refuses_a_useless_interval(self):
        with pytest.raises(CommandError, match="^--interval 必须大于 0。$"):
            call_command("mail_scheduler", "--interval", "0", stdout=StringIO())
