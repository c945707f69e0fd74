"""The article admin: the change form, workflow actions, roles and edit conflicts."""
import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.utils import timezone

from articles import dates, workflow
from articles.models import Article
from articles.revisions.history import revision_context

S = Article.Status


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


CHANGELIST = "/admin/articles/article/"


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
class TestRoles:
    def test_migrations_create_the_roles_and_review_groups(self):
        assert sorted(Group.objects.values_list("name", flat=True)) == sorted(["编辑", "记者", "责任编辑", "编辑部主任", "总编辑"])

    def test_editors_may_publish_and_reporters_may_not(self, editor_user, reporter_user):
        assert editor_user.has_perm("articles.publish_article") is True
        assert reporter_user.has_perm("articles.publish_article") is False

    def test_reporter_opens_own_draft_for_editing(self, reporter_client, draft_article):
        response = reporter_client.get(change_url(draft_article))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is True

    def test_reporter_sees_someone_elses_article_read_only(self, reporter_client, make_article):
        article = make_article("济南高新区", status="draft", reporters=[("韩霄鹏", "记者")])
        response = reporter_client.get(change_url(article))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False

    def test_reporter_post_to_someone_elses_article_is_forbidden(
        self, reporter_client, make_article, article_form_data
    ):
        article = make_article("济南高新区", status="draft", reporters=[("韩霄鹏", "记者")])
        data = article_form_data(article, headline="改掉别人的标题")
        response = reporter_client.post(change_url(article), data)
        assert response.status_code == 403
        assert Article.objects.get(pk=article.pk).headline == "济南高新区"

    def test_reporter_cannot_edit_own_article_in_review(self, reporter_client, draft_article, article_form_data):
        Article.objects.filter(pk=draft_article.pk).update(status=S.REVIEW)
        response = reporter_client.post(change_url(draft_article), article_form_data(draft_article, headline="新"))
        assert response.status_code == 403

    def test_reporter_cannot_publish_through_the_status_field(
        self, reporter_client, draft_article, article_form_data
    ):
        data = article_form_data(draft_article, status=S.PUBLISHED)
        response = reporter_client.post(change_url(draft_article), data)
        assert response.status_code == 200
        assert response.context["adminform"].form.non_field_errors() == [
            "《成都高新区发布新政》：你没有权限把文章改为“已发布”"
        ]
        assert Article.objects.get(pk=draft_article.pk).status == S.DRAFT

    def test_reporter_submits_own_draft_for_review(self, reporter_client, draft_article, article_form_data):
        response = reporter_client.post(change_url(draft_article), article_form_data(draft_article, status=S.REVIEW))
        assert response.status_code == 302
        assert Article.objects.get(pk=draft_article.pk).status == S.REVIEW

    def test_reporter_has_no_publish_or_archive_action(self, reporter_client, draft_article):
        response = reporter_client.get(CHANGELIST)
        actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
        assert actions == ["", "submit_for_review"]

    def test_reporter_publish_action_post_is_refused(self, reporter_client, draft_article):
        data = {"action": "publish_selected", "_selected_action": [draft_article.pk]}
        reporter_client.post(CHANGELIST, data)
        assert Article.objects.get(pk=draft_article.pk).status == S.DRAFT

    def test_reporter_list_has_no_editable_columns(self, reporter_client, draft_article):
        response = reporter_client.get(CHANGELIST)
        assert response.context["cl"].list_editable == ()

    def test_new_article_by_a_reporter_carries_their_byline(self, reporter_client, reporter_user):
        data = {
            "issue": "", "position": 1, "kicker": "", "headline": "记者新稿", "subheadline": "", "dateline": "",
            "standfirst": "", "body": "<p>正文。</p>", "status": "draft", "publish_at_0": "", "publish_at_1": "",
            "new_tags": "", "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
            "zone_mentions-TOTAL_FORMS": 0, "zone_mentions-INITIAL_FORMS": 0,
        }
        response = reporter_client.post("/admin/articles/article/add/", data)
        assert response.status_code == 302
        article = Article.objects.get(headline="记者新稿")
        assert [b.reporter.user for b in article.bylines.all()] == [reporter_user]


@pytest.mark.django_db
class TestChangeForm:
    def test_body_uses_the_prose_editor_with_our_extensions(self, editor_client, draft_article):
        response = editor_client.get(change_url(draft_article))
        html = response.content.decode()
        assert "data-django-prose-editor-configurable" in html
        assert "django_prose_editor/editor.js" in html
        # Every script and stylesheet is ours, served from this site: no CDN. (Looking for
        # "cdn" in the page failed whenever the random CSRF token happened to contain it.)
        assets = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
        assert assets and [url for url in assets if not url.startswith("/") or url.startswith("//")] == []

    def test_form_carries_the_version_it_was_loaded_from(self, editor_client, draft_article):
        response = editor_client.get(change_url(draft_article))
        assert f'name="loaded_version" value="{draft_article.version}"' in response.content.decode()

    def test_editor_schedules_in_beijing_time(self, editor_client, draft_article, article_form_data):
        data = article_form_data(draft_article, status=S.PUBLISHED, publish_at_0="2099-01-15", publish_at_1="08:00:00")
        response = editor_client.post(change_url(draft_article), data)
        assert response.status_code == 302
        article = Article.objects.get(pk=draft_article.pk)
        assert article.publish_at == datetime.datetime(2099, 1, 15, 0, 0, tzinfo=datetime.UTC)
        assert workflow.status_label(article) == "已排期 · 2099-01-15 08:00"

    def test_changelist_shows_scheduled_status(self, editor_client, make_article):
        make_article("排期稿", publish_at=datetime.datetime(2099, 1, 15, 0, 0, tzinfo=datetime.UTC))
        response = editor_client.get(CHANGELIST)
        assert "已排期 · 2099-01-15 08:00" in response.content.decode()

    def test_publishing_an_empty_article_is_refused(self, editor_client, draft_article, article_form_data):
        response = editor_client.post(change_url(draft_article), article_form_data(draft_article, status=S.PUBLISHED, body=""))
        assert response.context["adminform"].form.non_field_errors() == ["《成都高新区发布新政》缺少正文"]


@pytest.mark.django_db
class TestBulkActions:
    def test_submit_publish_and_archive(self, editor_client, draft_article):
        for action, status in [("submit_for_review", S.REVIEW), ("publish_selected", S.PUBLISHED), ("archive_selected", S.ARCHIVED)]:
            editor_client.post(CHANGELIST, {"action": action, "_selected_action": [draft_article.pk]})
            assert Article.objects.get(pk=draft_article.pk).status == status

    def test_success_message_counts_articles(self, editor_client, draft_article):
        response = editor_client.post(CHANGELIST, {"action": "submit_for_review", "_selected_action": [draft_article.pk]})
        assert message_texts(response) == ["已提交待审 1 篇文章。"]

    def test_incomplete_article_blocks_the_whole_publish_action(self, editor_client, draft_article, make_article):
        empty = make_article("空稿", status="draft", body="")
        data = {"action": "publish_selected", "_selected_action": [draft_article.pk, empty.pk]}
        response = editor_client.post(CHANGELIST, data)
        assert message_texts(response) == ["未作任何修改：《空稿》缺少正文"]
        assert Article.objects.get(pk=draft_article.pk).status == S.DRAFT

    def test_stale_row_blocks_the_action(self, editor_client, second_editor_user, draft_article):
        shown = draft_article.version
        with revision_context(user=second_editor_user):
            draft_article.save()
        data = {
            "action": "archive_selected",
            "_selected_action": [draft_article.pk],
            f"_loaded_version_{draft_article.pk}": shown,
        }
        response = editor_client.post(CHANGELIST, data)
        [message] = message_texts(response)
        assert message.startswith("未作任何修改：《成都高新区发布新政》已被李明于")
        assert Article.objects.get(pk=draft_article.pk).status == S.DRAFT

    def test_changelist_rows_carry_their_version(self, editor_client, draft_article):
        html = editor_client.get(CHANGELIST).content.decode()
        assert f'name="_loaded_version_{draft_article.pk}" value="{draft_article.version}"' in html


def changelist_post(article, **fields) -> dict:
    data = {
        "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-MIN_NUM_FORMS": 0, "form-MAX_NUM_FORMS": 1000,
        "form-0-id": article.pk, "form-0-position": article.position,
        "form-0-publish_at_0": "", "form-0-publish_at_1": "",
        "form-0-loaded_version": article.version, "_save": "保存",
    }
    data.update({f"form-0-{k}": v for k, v in fields.items()})
    return data


@pytest.mark.django_db
class TestListEditable:
    def test_position_saves_from_the_list(self, editor_client, draft_article):
        response = editor_client.post(CHANGELIST, changelist_post(draft_article, position=5))
        assert response.status_code == 302
        assert Article.objects.get(pk=draft_article.pk).position == 5

    def test_stale_row_is_refused(self, editor_client, second_editor_user, draft_article):
        stale = changelist_post(draft_article, position=5)
        with revision_context(user=second_editor_user):
            draft_article.position = 2
            draft_article.save()
        response = editor_client.post(CHANGELIST, stale)
        assert response.status_code == 200
        [message] = [m for m in message_texts(response) if m.startswith("保存未成功")]
        assert "李明" in message
        assert Article.objects.get(pk=draft_article.pk).position == 2


@pytest.mark.django_db
class TestEditConflict:
    @pytest.fixture
    def stale_post(self, editor_client, second_editor_user, draft_article, article_form_data):
        """Editor 1 loads the form, editor 2 saves a change, editor 1 saves theirs."""
        mine = article_form_data(draft_article, body="<p>我的修改：成都高新区今年新增企业两千家。</p>")
        with revision_context(user=second_editor_user):
            draft_article.body = "<p>成都高新区今年新增企业一千五百家。</p>"
            draft_article.save()
        return editor_client.post(change_url(draft_article), mine)

    def test_stale_save_is_refused(self, stale_post, draft_article):
        assert stale_post.status_code == 200
        assert Article.objects.get(pk=draft_article.pk).body == "<p>成都高新区今年新增企业一千五百家。</p>"

    def test_message_names_who_saved_in_between_and_when(self, stale_post, draft_article):
        when = dates.format_local(timezone.now())
        # Shown once, in the conflict box above the form (not repeated in the error list).
        error = stale_post.context["edit_conflict"].message
        assert stale_post.content.decode().count(error) == 1
        current = Article.objects.get(pk=draft_article.pk).version
        assert error == (
            f"保存未成功：你打开本文时是第{current - 1}版，之后李明于{when}保存了第{current}版。"
            "你的修改仍保留在表单中；请对照下方对方的改动，核对后再次保存（将以你的内容为准）。"
        )

    def test_own_text_stays_in_the_form(self, stale_post):
        html = stale_post.content.decode()
        assert "我的修改：成都高新区今年新增企业两千家。" in html

    def test_shows_what_the_other_editor_changed(self, stale_post):
        html = stale_post.content.decode()
        assert "<td>成都高新区今年新增企业一千家。</td><td>成都高新区今年新增企业一千<ins>五百</ins>家。</td>" in html

    def test_saving_again_after_reading_the_conflict_succeeds(self, stale_post, editor_client, draft_article):
        form = stale_post.context["adminform"].form
        data = {**form.data.dict(), "tags": [], "excluded_zones": []}
        response = editor_client.post(change_url(draft_article), data)
        assert response.status_code == 302
        assert Article.objects.get(pk=draft_article.pk).body == "<p>我的修改：成都高新区今年新增企业两千家。</p>"
