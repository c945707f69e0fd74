"""The content version (newsroom.freshness): one bump per committed change, none for a rollback."""
import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from newsroom import freshness
from newsroom.models import ContentVersion


def number() -> int:
    return ContentVersion.objects.get(pk=freshness.ROW).number


@pytest.mark.django_db
def test_the_migration_made_the_row():
    assert list(ContentVersion.objects.values_list("pk", flat=True)) == [freshness.ROW]


@pytest.fixture(autouse=True)
def _row(request):
    """Transactional tests empty every table after each test; the next one starts the row again."""
    if "transactional_db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        freshness.current()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestBumps:
    def test_a_transaction_of_many_writes_bumps_once(self, make_issue, make_zone, make_article):
        before = number()
        with transaction.atomic():
            issue = make_issue(7)
            zone = make_zone("第一高新区")
            make_article("一", issue=issue, zones=[zone], reporters=[("刘琴", "作者")], tags=["keji"])
            make_article("二", issue=issue, position=2)
        assert number() == before + 1

    def test_a_rolled_back_transaction_does_not_bump(self, make_article):
        before = number()
        with pytest.raises(RuntimeError), transaction.atomic():
            make_article("一")
            raise RuntimeError
        assert number() == before

    def test_a_write_outside_a_transaction_bumps_at_once(self, make_article):
        article = make_article("一")
        before = number()
        article.headline = "二"
        article.save()
        assert number() == before + 1

    def test_a_topic_set_through_its_manager_bumps(self, make_article):
        article = make_article("一")
        before = number()
        article.tags.set(["新话题"])
        assert number() > before

    def test_a_rolled_back_savepoint_leaves_the_outer_bump(self, make_article):
        before = number()
        with transaction.atomic():
            make_article("一")
            with pytest.raises(RuntimeError), transaction.atomic():
                make_article("二")
                raise RuntimeError
        assert number() == before + 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestScheduledBoundary:
    def test_the_next_boundary_is_the_soonest_scheduled_publication(self, make_article):
        soon = timezone.now() + datetime.timedelta(hours=1)
        make_article("稍后", publish_at=soon + datetime.timedelta(hours=1))
        make_article("先", publish_at=soon)
        make_article("草稿", status="draft", publish_at=soon - datetime.timedelta(minutes=30))
        assert ContentVersion.objects.get(pk=freshness.ROW).next_boundary == soon

    def test_a_passed_boundary_moves_the_version_once(self, make_article):
        make_article("先", publish_at=timezone.now() + datetime.timedelta(hours=1))
        seen = freshness.current().number
        assert freshness.current().number == seen
        ContentVersion.objects.filter(pk=freshness.ROW).update(next_boundary=timezone.now())
        passed = freshness.current().number
        assert passed == seen + 1
        assert freshness.current().number == passed
        assert ContentVersion.objects.get(pk=freshness.ROW).next_boundary > timezone.now()
