"""Merging topics: the domain function (articles.topics.topics_merge) and the admin action."""
import pytest
from taggit.models import Tag, TaggedItem

from articles.models import Article, TopicRedirect
from articles.revisions.history import article_versions, related_versions
from articles.search.tokenize import article_search_text
from articles.topics import TopicMergeRefused, topics_merge


def names(article) -> list[str]:
    return sorted(article.tags.values_list("name", flat=True))


@pytest.fixture
def topics(make_article):
    """人工智能 on two articles, AI on one of them and on a third: (ren_gong, ai, [a1, a2, a3])."""
    a1 = make_article("第一篇", tags=["人工智能"])
    a2 = make_article("第二篇", tags=["人工智能", "AI"])
    a3 = make_article("第三篇", tags=["AI"])
    return Tag.objects.get(name="人工智能"), Tag.objects.get(name="AI"), [a1, a2, a3]


@pytest.mark.django_db
class TestTopicsMerge:
    def test_articles_of_the_merged_topic_get_the_target(self, topics, editor_user):
        ren_gong, ai, (a1, a2, a3) = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert [names(a) for a in (a1, a2, a3)] == [["AI"], ["AI"], ["AI"]]

    def test_an_article_with_both_topics_keeps_one_tagging(self, topics, editor_user):
        ren_gong, ai, (_, a2, _) = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert TaggedItem.objects.filter(object_id=a2.pk).count() == 1

    def test_the_result_counts_articles_and_topics(self, topics, editor_user):
        ren_gong, ai, _ = topics
        result = topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert (result.target, result.merged_names, result.articles_changed, result.topics_merged) == (
            ai, ("人工智能",), 2, 1,
        )

    def test_versions_rise_on_changed_articles_only(self, topics, editor_user):
        ren_gong, ai, articles = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert [Article.objects.get(pk=a.pk).version for a in articles] == [2, 2, 1]

    def test_each_changed_article_has_a_revision_with_the_merge_comment(self, topics, editor_user):
        ren_gong, ai, (a1, a2, _) = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        for article in (a1, a2):
            latest = article_versions(article=article).first()
            assert (latest.revision.get_comment(), latest.revision.user) == ("合并话题：「人工智能」并入「AI」", editor_user)
            assert latest.field_dict["version"] == 2

    def test_the_revision_keeps_the_new_tagging(self, topics, editor_user):
        ren_gong, ai, (a1, _, _) = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        rows = related_versions(article_versions(article=a1).first(), TaggedItem)
        assert [row.field_dict["tag_id"] for row in rows] == [ai.pk]

    def test_merged_topics_are_deleted_and_the_target_kept_as_it_was(self, topics, editor_user):
        ren_gong, ai, _ = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert list(Tag.objects.values_list("pk", "name", "slug")) == [(ai.pk, "AI", ai.slug)]

    def test_the_merged_slug_redirects_to_the_target(self, topics, editor_user):
        ren_gong, ai, _ = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert list(TopicRedirect.objects.values_list("old_slug", "tag")) == [("ren-gong-zhi-neng", ai.pk)]

    def test_the_old_topic_page_answers_301_to_the_target(self, client, topics, editor_user):
        ren_gong, ai, _ = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        response = client.get("/tags/ren-gong-zhi-neng/")
        assert (response.status_code, response["Location"]) == (301, f"/tags/{ai.slug}/")

    def test_redirects_to_a_merged_topic_are_repointed(self, client, topics, editor_user):
        ren_gong, ai, _ = topics
        TopicRedirect.objects.create(old_slug="旧人工智能", tag=ren_gong)
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert TopicRedirect.objects.get(old_slug="旧人工智能").tag == ai
        assert client.get("/tags/旧人工智能/")["Location"] == f"/tags/{ai.slug}/"

    def test_the_target_name_is_case_insensitive(self, topics, editor_user):
        ren_gong, ai, _ = topics
        result = topics_merge(tags=[ren_gong], into="ai", user=editor_user)
        assert (result.target.pk, list(Tag.objects.values_list("name", flat=True))) == (ai.pk, ["AI"])

    def test_a_new_name_makes_a_new_topic_and_merges_all_selected(self, topics, editor_user):
        ren_gong, ai, (a1, a2, a3) = topics
        result = topics_merge(tags=[ren_gong, ai], into="  智能技术 ", user=editor_user)
        assert (result.target.name, result.target.slug, result.topics_merged) == ("智能技术", "zhi-neng-ji-shu", 2)
        assert [names(a) for a in (a1, a2, a3)] == [["智能技术"], ["智能技术"], ["智能技术"]]
        assert sorted(TopicRedirect.objects.values_list("old_slug", flat=True)) == sorted(["ren-gong-zhi-neng", ai.slug])

    def test_one_topic_can_be_renamed_into_another_existing_one(self, topics, editor_user):
        ren_gong, ai, (a1, _, _) = topics
        topics_merge(tags=[ai], into="人工智能", user=editor_user)
        assert list(Tag.objects.values_list("name", flat=True)) == ["人工智能"]

    def test_the_search_text_is_current_and_holds_no_topics(self, topics, editor_user):
        # Topics are not searchable (articles.search.tokenize.article_search_text): the
        # save during the merge re-indexes the article, and no topic enters its text.
        ren_gong, ai, (a1, _, _) = topics
        topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        article = Article.objects.get(pk=a1.pk)
        assert article.search_text == article_search_text(article) == "第一 一篇\n正文 文第 第一 一段 刘琴"


@pytest.mark.django_db
class TestTopicsMergeRefusals:
    def snapshot(self):
        return (
            list(Tag.objects.order_by("pk").values_list("pk", "name", "slug")),
            list(TaggedItem.objects.order_by("pk").values_list("pk", "tag_id", "object_id")),
            list(Article.objects.order_by("pk").values_list("pk", "version")),
            list(TopicRedirect.objects.values_list("old_slug", "tag_id")),
        )

    @pytest.mark.parametrize(("into", "message"), [
        ("", "话题名不能只有空白或不可见字符。"),
        ("\u200b", "话题名不能只有空白或不可见字符。"),
        ("长" * 101, "话题“长长长长长长长长长长…”太长：最多 100 个字符，现在 101 个。"),
    ])
    def test_an_invalid_name_is_refused_and_nothing_written(self, topics, editor_user, into, message):
        ren_gong, ai, _ = topics
        before = self.snapshot()
        with pytest.raises(TopicMergeRefused) as refused:
            topics_merge(tags=[ren_gong, ai], into=into, user=editor_user)
        assert (str(refused.value), self.snapshot()) == (message, before)

    def test_one_topic_into_its_own_name_is_refused(self, topics, editor_user):
        ren_gong, _, _ = topics
        before = self.snapshot()
        with pytest.raises(TopicMergeRefused) as refused:
            topics_merge(tags=[ren_gong], into="人工智能", user=editor_user)
        assert str(refused.value) == "「人工智能」就是所选的话题本身：请至少选择两个话题，或填写另一个话题名。"
        assert self.snapshot() == before

    def test_no_topic_is_refused(self, topics, editor_user):
        with pytest.raises(TopicMergeRefused) as refused:
            topics_merge(tags=[], into="AI", user=editor_user)
        assert str(refused.value) == "没有选择要合并的话题。"

    def test_a_topic_renamed_since_it_was_seen_is_refused(self, topics, editor_user):
        ren_gong, ai, _ = topics
        Tag.objects.filter(pk=ren_gong.pk).update(name="人工智能技术")
        before = self.snapshot()
        with pytest.raises(TopicMergeRefused) as refused:
            topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user,
                         seen_names={ren_gong.pk: "人工智能", ai.pk: "AI"})
        assert str(refused.value) == "所选话题已被他人修改或删除，未作任何合并；请核对当前的话题后重试。"
        assert self.snapshot() == before

    def test_a_topic_deleted_since_it_was_seen_is_refused(self, topics, editor_user):
        ren_gong, ai, _ = topics
        Tag.objects.filter(pk=ren_gong.pk).delete()
        with pytest.raises(TopicMergeRefused):
            topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert list(Tag.objects.values_list("name", flat=True)) == ["AI"]
