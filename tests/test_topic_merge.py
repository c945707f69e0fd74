"""Merging topics: the domain function (articles.topics.topics_merge) and the admin action."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
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
        ("人工\x00智能", "话题名不能含有空字符（U+0000）。"),
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
        assert str(refused.value) == "所选话题已被他人修改或删除；请核对当前的话题后重试。"
        assert self.snapshot() == before

    def test_a_topic_deleted_since_it_was_seen_is_refused(self, topics, editor_user):
        ren_gong, ai, _ = topics
        Tag.objects.filter(pk=ren_gong.pk).delete()
        with pytest.raises(TopicMergeRefused):
            topics_merge(tags=[ren_gong, ai], into="AI", user=editor_user)
        assert list(Tag.objects.values_list("name", flat=True)) == ["AI"]


CHANGELIST = "/admin/taggit/tag/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def ask(client, tags, **extra):
    """The list's action POST: the confirmation page for `tags`."""
    return client.post(CHANGELIST, {"action": "merge_selected", "index": 0,
                                    ACTION_CHECKBOX_NAME: [t.pk for t in tags], **extra})


def confirm(client, tags, name, **extra):
    """The confirmation page's POST, as its form sends it."""
    data = {"action": "merge_selected", "_merge_confirm": "yes", "merged_name": name,
            ACTION_CHECKBOX_NAME: [t.pk for t in tags]}
    data.update({f"_seen_name_{t.pk}": t.name for t in tags})
    data.update(extra)
    return client.post(CHANGELIST, data)


@pytest.mark.django_db
class TestMergeAction:
    def test_the_action_is_offered_to_editors(self, editor_client, topics):
        response = editor_client.get(CHANGELIST)
        assert ("merge_selected", "合并所选话题") in response.context["action_form"].fields["action"].choices

    def test_the_action_is_not_offered_to_reporters(self, reporter_client, topics):
        response = reporter_client.get(CHANGELIST)
        assert response.status_code == 200
        assert "合并所选话题" not in response.content.decode()

    def test_a_reporter_posting_the_action_merges_nothing(self, reporter_client, topics):
        ren_gong, ai, _ = topics
        response = confirm(reporter_client, [ren_gong, ai], "AI")
        assert response.status_code == 200  # the list, which offers a reporter no actions at all
        assert response.context["action_form"] is None
        assert Tag.objects.count() == 2

    def test_an_editor_without_delete_permission_does_not_get_the_action(self, editor_client, editor_user, topics):
        from django.contrib.auth.models import Permission

        group = editor_user.groups.get()
        group.permissions.remove(Permission.objects.get(content_type__app_label="taggit", codename="delete_tag"))
        assert editor_user.has_perm("taggit.change_tag")
        response = editor_client.get(CHANGELIST)
        assert response.context["action_form"] is None

    def test_an_editor_without_delete_permission_cannot_post_the_action(self, editor_client, editor_user, topics):
        from django.contrib.auth.models import Permission

        ren_gong, ai, _ = topics
        editor_user.groups.get().permissions.remove(
            Permission.objects.get(content_type__app_label="taggit", codename="delete_tag")
        )
        confirm(editor_client, [ren_gong, ai], "AI")
        assert Tag.objects.count() == 2

    def test_the_confirmation_page_lists_topics_with_counts_most_used_first(self, editor_client, topics):
        ren_gong, ai, _ = topics
        Tag.objects.create(name="不相关")
        response = ask(editor_client, [ai, ren_gong])
        assert response.status_code == 200
        assert response.templates[0].name == "admin/taggit/tag/merge.html"
        assert [(t.name, t.article_count) for t in response.context["topics"]] == [("AI", 2), ("人工智能", 2)]
        html = response.content.decode()
        assert "<tr><td>AI</td><td>ai</td><td>2</td></tr>" in html
        assert "<tr><td>人工智能</td><td>ren-gong-zhi-neng</td><td>2</td></tr>" in html
        assert "不相关" not in html

    def test_the_name_is_prefilled_with_the_most_used_topic(self, editor_client, topics, make_article):
        ren_gong, ai, _ = topics
        make_article("第四篇", tags=["人工智能"])
        response = ask(editor_client, [ai, ren_gong])
        assert response.context["merged_name"] == "人工智能"
        assert 'name="merged_name" value="人工智能"' in response.content.decode()

    def test_the_page_posts_back_the_action_and_ids_without_session_state(self, editor_client, topics):
        ren_gong, ai, _ = topics
        html = ask(editor_client, [ren_gong, ai]).content.decode()
        for hidden in ('name="action" value="merge_selected"', f'name="_selected_action" value="{ren_gong.pk}"',
                       f'name="_selected_action" value="{ai.pk}"', f'name="_seen_name_{ai.pk}" value="AI"'):
            assert hidden in html
        assert "确认合并" in html and "返回" in html
        assert "selected_tag_ids" not in editor_client.session

    def test_confirming_merges_and_says_so(self, editor_client, topics):
        ren_gong, ai, (a1, a2, a3) = topics
        response = confirm(editor_client, [ren_gong, ai], "AI")
        assert (response.status_code, response["Location"]) == (302, CHANGELIST)
        assert messages_of(response) == ["已将「人工智能」并入「AI」，2 篇文章的话题随之更新。"]
        assert [names(a) for a in (a1, a2, a3)] == [["AI"], ["AI"], ["AI"]]
        revision = article_versions(article=a1).first().revision
        assert (revision.get_comment(), revision.user.username) == ("合并话题：「人工智能」并入「AI」", "editor")

    def test_an_empty_name_is_refused_on_the_page(self, editor_client, topics):
        ren_gong, ai, _ = topics
        response = confirm(editor_client, [ren_gong, ai], "  ")
        assert response.status_code == 200
        assert response.context["error"] == "未作任何合并：话题名不能只有空白或不可见字符。"
        assert Tag.objects.count() == 2

    def test_a_name_with_nul_is_refused_on_the_page(self, editor_client, topics):
        ren_gong, ai, _ = topics
        response = confirm(editor_client, [ren_gong, ai], "AI\x00")
        assert response.context["error"] == "未作任何合并：话题名不能含有空字符（U+0000）。"
        assert Tag.objects.count() == 2

    def test_the_merge_is_in_the_target_topics_admin_history(self, editor_client, topics):
        from django.contrib.admin.models import LogEntry

        ren_gong, ai, _ = topics
        confirm(editor_client, [ren_gong, ai], "AI")
        entry = LogEntry.objects.get()
        assert (entry.object_id, entry.get_change_message(), entry.user.username) == (
            str(ai.pk), "合并话题：「人工智能」并入「AI」", "editor",
        )

    def test_a_200_character_name_is_refused_on_the_page(self, editor_client, topics):
        ren_gong, ai, _ = topics
        response = confirm(editor_client, [ren_gong, ai], "长" * 200)
        assert response.status_code == 200
        assert response.context["error"] == "未作任何合并：话题“长长长长长长长长长长…”太长：最多 100 个字符，现在 200 个。"
        assert Tag.objects.count() == 2

    def test_one_topic_into_its_own_name_is_refused_on_the_page(self, editor_client, topics):
        ren_gong, _, _ = topics
        response = confirm(editor_client, [ren_gong], "人工智能")
        assert response.context["error"] == (
            "未作任何合并：「人工智能」就是所选的话题本身：请至少选择两个话题，或填写另一个话题名。"
        )
        assert Tag.objects.count() == 2

    def test_a_topic_renamed_after_the_page_was_shown_is_refused(self, editor_client, topics):
        ren_gong, ai, _ = topics
        Tag.objects.filter(pk=ren_gong.pk).update(name="人工智能技术")
        response = confirm(editor_client, [ren_gong, ai], "AI")
        assert response.context["error"] == "未作任何合并：所选话题已被他人修改或删除；请核对当前的话题后重试。"
        assert "<td>人工智能技术</td>" in response.content.decode()
        assert Tag.objects.count() == 2

    def test_a_topic_deleted_after_the_page_was_shown_is_refused(self, editor_client, topics):
        ren_gong, ai, (a1, _, _) = topics
        deleted_pk = ren_gong.pk
        Tag.objects.filter(pk=deleted_pk).delete()
        response = confirm(editor_client, [ren_gong, ai], "智能")
        assert response.status_code == 200
        assert response.context["error"].startswith("未作任何合并：所选话题已被他人修改或删除")
        assert list(Tag.objects.values_list("name", flat=True)) == ["AI"]

    def test_html_in_the_name_is_escaped_on_the_page(self, editor_client, topics):
        ren_gong, ai, _ = topics
        hostile = '<script>alert("x")</script>' + "长" * 100
        html = confirm(editor_client, [ren_gong, ai], hostile).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html

    def test_html_in_the_name_is_escaped_in_the_message(self, editor_client, topics):
        ren_gong, ai, _ = topics
        hostile = "<b>加粗</b>"
        response = confirm(editor_client, [ren_gong, ai], hostile)
        assert messages_of(response) == ["已将「人工智能」、「AI」并入「<b>加粗</b>」，3 篇文章的话题随之更新。"]
        html = editor_client.get(CHANGELIST).content.decode()
        assert "「&lt;b&gt;加粗&lt;/b&gt;」" in html and "<b>加粗</b>" not in html

    @pytest.mark.parametrize("bad_id", ["abc", "🔥", "99999999999999999999999", "1.5"])
    def test_a_non_numeric_or_out_of_range_id_merges_nothing(self, editor_client, topics, bad_id):
        ren_gong, ai, _ = topics
        response = confirm(editor_client, [ren_gong, ai], "AI", _selected_action=[ren_gong.pk, bad_id])
        assert response.status_code == 302
        assert messages_of(response) == ["所选条目无效，未执行任何操作。"]
        assert Tag.objects.count() == 2

    def test_an_unknown_id_merges_nothing(self, editor_client, topics):
        ren_gong, ai, _ = topics
        response = confirm(editor_client, [ren_gong, ai], "AI", _selected_action=[ren_gong.pk, ai.pk, 987654])
        assert response.status_code == 200
        assert response.context["error"].startswith("未作任何合并：所选话题已被他人修改或删除")
        assert Tag.objects.count() == 2

    def test_only_unknown_ids_merge_nothing(self, editor_client, topics):
        response = editor_client.post(CHANGELIST, {
            "action": "merge_selected", "_merge_confirm": "yes", "merged_name": "AI", ACTION_CHECKBOX_NAME: [987654],
        })
        assert response.status_code == 302
        assert messages_of(response) == ["未作任何合并：所选话题已被他人修改或删除；请核对当前的话题后重试。"]
        assert Tag.objects.count() == 2


@pytest.mark.django_db
class TestMergeAndAnOpenArticleForm:
    def test_a_form_opened_before_the_merge_gets_the_conflict_message(
        self, editor_client, editor_user, draft_article, article_form_data
    ):
        draft_article.tags.add("人工智能", "AI")
        stale = article_form_data(draft_article, headline="编辑改过的标题")
        topics_merge(tags=list(Tag.objects.all()), into="AI", user=editor_user)
        response = editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", stale)
        assert response.status_code == 200
        assert response.context["edit_conflict"].message.startswith("保存未成功：你打开本文时是第1版，之后王芳于")
        assert "编辑改过的标题" in response.content.decode()

    def test_the_merged_away_topic_is_not_recreated(self, editor_client, editor_user, draft_article, article_form_data):
        draft_article.tags.add("人工智能", "AI")
        stale = article_form_data(draft_article, new_tags="人工智能")
        topics_merge(tags=list(Tag.objects.all()), into="AI", user=editor_user)
        editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", stale)
        assert list(Tag.objects.values_list("name", flat=True)) == ["AI"]
        assert names(draft_article) == ["AI"]
        assert Article.objects.get(pk=draft_article.pk).version == 2
