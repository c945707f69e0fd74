"""Merging topics keeps their followers: a subscriber who chose a merged topic follows the target."""
import pytest
from taggit.models import Tag

from articles.topics import topics_merge
from newsroom.mailing.models import Subscriber

pytestmark = pytest.mark.django_db


def follower(email: str, *topics: str) -> Subscriber:
    sub = Subscriber.objects.create(email=email, status=Subscriber.Status.CONFIRMED)
    sub.topics.set([Tag.objects.get_or_create(name=name)[0] for name in topics])
    return sub


def followed(sub: Subscriber) -> list[str]:
    return sorted(sub.topics.values_list("name", flat=True))


class TestTopicsMergeFollowers:
    def test_a_follower_of_a_merged_topic_follows_the_target(self, editor_user):
        sub = follower("a@example.com", "人工智能", "氢能")
        follower("b@example.com", "AI")
        topics_merge(tags=Tag.objects.filter(name__in=["人工智能", "AI"]), into="AI", user=editor_user)
        assert followed(sub) == ["AI", "氢能"]

    def test_a_follower_of_several_merged_topics_and_the_target_follows_it_once(self, editor_user):
        sub = follower("a@example.com", "人工智能", "机器学习", "AI")
        topics_merge(tags=Tag.objects.filter(name__in=["人工智能", "机器学习", "AI"]), into="AI", user=editor_user)
        assert followed(sub) == ["AI"]
        assert Subscriber.topics.through.objects.filter(subscriber=sub).count() == 1

    def test_a_merge_into_a_new_topic_takes_the_followers_along(self, editor_user):
        sub = follower("a@example.com", "人工智能")
        other = follower("b@example.com", "氢能")
        topics_merge(tags=Tag.objects.filter(name__in=["人工智能", "机器学习"]), into="智能", user=editor_user)
        assert (followed(sub), followed(other)) == (["智能"], ["氢能"])
