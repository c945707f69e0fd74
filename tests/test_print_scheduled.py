"""An article scheduled for later is not in the print edition made when its issue is
published; when it becomes readable the worker prints the issue again
(newsroom.tasks.print_issue_when_due), unless a print was asked for since."""
import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom import tasks
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def issue_with_a_later_article(make_issue, make_article):
    """Issue 7, asked to print (generation 1): one article readable now, one due in two hours."""
    issue = make_issue(number=7, date=datetime.date(2026, 12, 13))
    now = make_article("今天的稿件", issue=issue, position=1)
    due = (timezone.now() + datetime.timedelta(hours=2)).replace(microsecond=0)
    later = make_article("两小时后发布", issue=issue, position=2, publish_at=due)
    tasks.issue_print_request(issue=issue)
    return issue, now, later, due


def printed(issue) -> list[int]:
    return sorted(int(pk) for pk in PrintEdition.objects.get(issue=issue).sources["articles"])


def come_due(article) -> datetime.datetime:
    """Two hours on: the print was asked for then, and the article's time (a second ago) has
    come. Its due time."""
    now = timezone.now()
    PrintEdition.objects.filter(issue_id=article.issue_id).update(requested_at=now - datetime.timedelta(hours=2))
    due = now - datetime.timedelta(seconds=1)
    type(article).objects.filter(pk=article.pk).update(publish_at=due)
    return due


def deferred(issue) -> list[tuple[list, datetime.datetime]]:
    rows = DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue_when_due")
    return [(row.args_kwargs["args"], row.run_after) for row in rows if row.args_kwargs["args"][0] == issue.pk]


class TestScheduling:
    def test_the_print_asks_to_be_made_again_when_the_later_article_is_due(self, issue_with_a_later_article):
        issue, now, _later, due = issue_with_a_later_article
        assert tasks.print_issue.call(issue.pk, 1) == "ready"
        assert printed(issue) == [now.pk]
        assert deferred(issue) == [([issue.pk, due.isoformat()], due)]

    def test_an_issue_with_nothing_scheduled_asks_for_nothing_more(self, make_issue, make_article):
        issue = make_issue(number=8)
        make_article("今天的稿件", issue=issue)
        tasks.issue_print_request(issue=issue)
        assert tasks.print_issue.call(issue.pk, 1) == "ready"
        assert deferred(issue) == []

    def test_a_superseded_run_leaves_it_to_the_newer_one(self, issue_with_a_later_article):
        issue, _now, _later, _due = issue_with_a_later_article
        tasks.issue_print_request(issue=issue)
        assert tasks.print_issue.call(issue.pk, 1) == "superseded"
        assert deferred(issue) == []

    def test_next_due_is_the_earliest_later_article(self, issue_with_a_later_article, make_article):
        issue, _now, _later, due = issue_with_a_later_article
        make_article("三小时后发布", issue=issue, position=3, publish_at=due + datetime.timedelta(hours=1))
        make_article("还是草稿", issue=issue, position=4, status="draft", publish_at=due - datetime.timedelta(hours=1))
        assert printing.next_due(issue.pk) == due


class TestWhenDue:
    def test_once_due_the_issue_is_printed_again_with_it(self, issue_with_a_later_article):
        issue, now, later, _due = issue_with_a_later_article
        tasks.print_issue.call(issue.pk, 1)
        due = come_due(later)
        assert tasks.print_issue_when_due.call(issue.pk, due.isoformat()) == 2
        assert tasks.print_issue.call(issue.pk, 2) == "ready"
        assert printed(issue) == [now.pk, later.pk]

    def test_a_print_asked_for_since_is_enough(self, issue_with_a_later_article):
        issue, _now, later, _due = issue_with_a_later_article
        due = come_due(later)
        tasks.issue_print_request(issue=issue)
        assert tasks.print_issue_when_due.call(issue.pk, due.isoformat()) is None
        assert PrintEdition.objects.get(issue=issue).generation == 2

    def test_a_withdrawn_issue_is_not_printed(self, issue_with_a_later_article):
        issue, _now, later, _due = issue_with_a_later_article
        due = come_due(later)
        issue.status = "draft"
        issue.save()
        assert tasks.print_issue_when_due.call(issue.pk, due.isoformat()) is None
        assert PrintEdition.objects.get(issue=issue).generation == 1
