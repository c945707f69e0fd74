"""三审 (articles.review): stage-by-stage sign-offs, 退回修改, and the publication rule."""
import re

import pytest
from django.contrib.auth.models import Group, User

from articles import review, workflow
from articles.models import Article, SignOff
from newsroom.models import Issue
from newsroom.publishing import issue_publish

S = Article.Status


def reviewer(username: str, group: str) -> User:
    user = User.objects.create_user(username, is_staff=True, first_name=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reviewers(db):
    return {
        "初审": reviewer("chushen", "责任编辑"),
        "复审": reviewer("fushen", "编辑部主任"),
        "终审": reviewer("zhongshen", "总编辑"),
    }


@pytest.fixture
def in_review(draft_article):
    draft_article.status = S.REVIEW
    draft_article.save()
    return draft_article


def sign_all(article, reviewers):
    for name in ("初审", "复审", "终审"):
        review.sign(article=article, user=reviewers[name])


@pytest.mark.django_db
class TestDefaultStages:
    def test_migration_creates_three_stages_held_by_their_groups(self, three_stages):
        """The data migration makes 初审, 复审, 终审 with the groups 责任编辑, 编辑部主任, 总编辑."""
        assert [(s.name, s.role, s.group.name) for s in three_stages] == [
            ("初审", "责任编辑", "责任编辑"), ("复审", "编辑部主任", "编辑部主任"), ("终审", "总编辑", "总编辑"),
        ]

    def test_setting_limits_the_stages_for_a_small_team(self, three_stages, settings):
        """NEWSROOM_REVIEW_STAGES=2 needs 初审 and 复审 only."""
        settings.NEWSROOM_REVIEW_STAGES = 2
        assert [s.name for s in review.active_stages()] == ["初审", "复审"]

    def test_a_stage_switched_off_in_the_admin_is_skipped(self, three_stages):
        """An inactive stage is not required."""
        three_stages[1].active = False
        three_stages[1].save()
        assert [s.name for s in review.active_stages()] == ["初审", "终审"]


@pytest.mark.django_db
class TestSign:
    def test_stages_are_signed_in_order(self, three_stages, reviewers, in_review):
        """Each sign-off records who, which stage and the version, and moves to the next stage."""
        signoff = review.sign(article=in_review, user=reviewers["初审"], comment="事实已核")
        assert (signoff.stage.name, signoff.user, signoff.version, signoff.comment) == (
            "初审", reviewers["初审"], in_review.version, "事实已核")
        assert review.next_stage(in_review).name == "复审"

    def test_a_reviewer_outside_the_stage_group_is_refused(self, three_stages, reviewers, in_review):
        """终审's reviewer cannot sign 初审."""
        with pytest.raises(review.ReviewError, match="^初审由责任编辑组签发，你不在该组$"):
            review.sign(article=in_review, user=reviewers["终审"])

    def test_nobody_signs_two_stages(self, three_stages, reviewers, in_review):
        """A member of two stage groups signs only one stage of the same article."""
        both = reviewers["初审"]
        both.groups.add(Group.objects.get(name="编辑部主任"))
        review.sign(article=in_review, user=both)
        with pytest.raises(review.ReviewError, match="^同一篇文章的两个审次不能由同一人签发$"):
            review.sign(article=in_review, user=both)

    def test_a_too_small_team_may_sign_twice_when_the_setting_allows(self, three_stages, in_review, settings):
        """One person in every stage group, with the setting on, signs all three stages."""
        settings.NEWSROOM_REVIEW_ALLOW_SAME_SIGNER = True
        solo = reviewer("solo", "责任编辑")
        solo.groups.add(*Group.objects.filter(name__in=["编辑部主任", "总编辑"]))
        for _ in range(3):
            review.sign(article=in_review, user=solo)
        assert review.next_stage(in_review) is None

    def test_the_setting_does_not_help_a_team_large_enough(self, three_stages, reviewers, in_review, settings):
        """With three people for three stages, the setting still refuses a second signature."""
        settings.NEWSROOM_REVIEW_ALLOW_SAME_SIGNER = True
        reviewers["初审"].groups.add(Group.objects.get(name="编辑部主任"))
        review.sign(article=in_review, user=reviewers["初审"])
        with pytest.raises(review.ReviewError):
            review.sign(article=in_review, user=reviewers["初审"])

    def test_a_draft_cannot_be_signed(self, three_stages, reviewers, draft_article):
        """Only articles in 待审 are signed."""
        with pytest.raises(review.ReviewError, match="^《成都高新区发布新政》不在待审状态$"):
            review.sign(article=draft_article, user=reviewers["初审"])

    def test_a_stale_version_is_refused(self, three_stages, reviewers, in_review):
        """Signing what the reviewer read, not a later edit."""
        with pytest.raises(review.ReviewError, match="已被他人修改"):
            review.sign(article=in_review, user=reviewers["初审"], loaded_version=in_review.version - 1)
        assert SignOff.objects.count() == 0

    def test_an_edit_after_a_sign_off_starts_review_again(self, three_stages, reviewers, in_review):
        """A save raises the version, so earlier sign-offs no longer count."""
        review.sign(article=in_review, user=reviewers["初审"])
        in_review.refresh_from_db()
        in_review.body = "<p>改过的正文。</p>"
        in_review.save()
        assert review.next_stage(in_review).name == "初审"


@pytest.mark.django_db
class TestSendBack:
    def test_send_back_returns_a_draft_with_the_comment(self, three_stages, reviewers, in_review):
        """退回修改 makes the article a draft and the author sees the comment."""
        review.sign(article=in_review, user=reviewers["初审"])
        review.send_back(article=in_review, user=reviewers["复审"], comment="数据请注明来源")
        in_review.refresh_from_db()
        returned = review.last_return(in_review)
        assert (in_review.status, returned.stage.name, returned.comment) == (S.DRAFT, "复审", "数据请注明来源")

    def test_send_back_needs_a_comment(self, three_stages, reviewers, in_review):
        """No silent returns."""
        with pytest.raises(review.ReviewError, match="^退回修改须写明意见$"):
            review.send_back(article=in_review, user=reviewers["初审"], comment="  ")

    def test_approvals_before_a_return_no_longer_count(self, three_stages, reviewers, in_review):
        """Resubmitted, the article starts again at 初审."""
        review.sign(article=in_review, user=reviewers["初审"])
        review.send_back(article=in_review, user=reviewers["复审"], comment="重写导语")
        in_review.refresh_from_db()
        workflow.articles_transition(articles=[in_review], to_status=S.REVIEW, user=User.objects.create_superuser("boss"))
        in_review.refresh_from_db()
        assert review.next_stage(in_review).name == "初审"


@pytest.mark.django_db
class TestPublicationNeedsReview:
    def test_publishing_an_unsigned_article_is_refused(self, three_stages, editor_user, in_review):
        """The status move to 已发布 names the missing stage."""
        problem = workflow.transition_problem(user=editor_user, article=in_review, to_status=S.PUBLISHED)
        assert problem == "《成都高新区发布新政》尚未通过初审"

    def test_an_article_signed_at_every_stage_may_be_published(self, three_stages, reviewers, editor_user, in_review):
        """Three sign-offs on this version open publication."""
        sign_all(in_review, reviewers)
        assert workflow.transition_problem(user=editor_user, article=in_review, to_status=S.PUBLISHED) is None

    def test_issue_publish_refuses_an_unreviewed_draft_and_writes_nothing(
        self, three_stages, editor_user, make_issue, draft_article
    ):
        """保存并发布本期 lists the unreviewed article and leaves the issue a draft."""
        issue = make_issue(5, status="draft")
        Article.objects.filter(pk=draft_article.pk).update(issue=issue)
        with pytest.raises(workflow.WorkflowError) as refused:
            issue_publish(issue=issue, user=editor_user)
        assert refused.value.problems == ["《成都高新区发布新政》尚未通过初审"]
        assert Issue.objects.get(pk=issue.pk).status == "draft"
        assert Article.objects.get(pk=draft_article.pk).status == S.DRAFT

    def test_issue_publish_publishes_a_fully_signed_issue(self, three_stages, reviewers, editor_user, make_issue, in_review):
        """Every stage signed: the issue and the article go out."""
        issue = make_issue(5, status="draft")
        Article.objects.filter(pk=in_review.pk).update(issue=issue)
        in_review.refresh_from_db()
        sign_all(in_review, reviewers)
        issue_publish(issue=issue, user=editor_user)
        assert (Issue.objects.get(pk=issue.pk).status, Article.objects.get(pk=in_review.pk).status) == (
            "published", S.PUBLISHED)


@pytest.mark.django_db
class TestQueue:
    def test_each_reviewer_sees_the_articles_at_their_stage(self, three_stages, reviewers, in_review):
        """After 初审 signs, the article leaves 初审's queue and enters 复审's."""
        assert review.queue_for(reviewers["初审"]) == [in_review]
        review.sign(article=in_review, user=reviewers["初审"])
        assert (review.queue_for(reviewers["初审"]), review.queue_for(reviewers["复审"])) == ([], [in_review])


@pytest.mark.django_db
class TestImportPublish:
    def test_import_publish_names_every_blocking_article_and_writes_nothing(self, three_stages, seed_path):
        """import_issue --publish obeys the publish action's rules: refused, nothing imported."""
        from io import StringIO

        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError) as refused:
            call_command("import_issue", str(seed_path), "--number", "1", "--publish", stdout=StringIO())
        assert str(refused.value) == (
            f"{seed_path.name}：不能发布，未导入任何内容："
            "《国家高新区忙开局奋力“开门红”》尚未通过初审；《济南高新区探索对外开放新格局》尚未通过初审"
        )
        assert (Issue.objects.count(), Article.objects.count()) == (0, 0)

    def test_import_without_publish_still_imports_drafts(self, three_stages, seed_path):
        """Review only guards publication; importing drafts needs no sign-off."""
        from io import StringIO

        from django.core.management import call_command

        call_command("import_issue", str(seed_path), "--number", "1", stdout=StringIO())
        assert set(Article.objects.values_list("status", flat=True)) == {S.DRAFT}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.django_db
class TestReviewAdmin:
    def test_the_form_shows_the_stages_and_the_sign_button(self, three_stages, reviewers, client, in_review):
        """A 初审 reviewer sees the three stages and a 签发初审 button."""
        client.force_login(reviewers["初审"])
        page = client.get(f"/admin/articles/article/{in_review.pk}/change/").content.decode()
        assert ("初审（责任编辑）" in page, "复审（编辑部主任）" in page, "签发初审" in page) == (True, True, True)

    def test_sign_from_the_admin_records_the_comment(self, three_stages, reviewers, client, in_review):
        """The panel's POST signs 初审 with the typed comment and says so."""
        client.force_login(reviewers["初审"])
        response = client.post(
            f"/admin/articles/article/{in_review.pk}/review/",
            {"decision": "sign", "review_comment": "可以", "loaded_version": in_review.version},
            follow=True,
        )
        assert messages_of(response) == ["文章「成都高新区发布新政」已通过初审。"]
        assert list(SignOff.objects.values_list("stage__name", "comment")) == [("初审", "可以")]

    def test_a_refused_return_keeps_the_typed_comment(self, three_stages, reviewers, client, in_review):
        """初审's reviewer cannot return at 复审; the comment comes back in the panel."""
        review.sign(article=in_review, user=reviewers["初审"])
        client.force_login(reviewers["初审"])
        response = client.post(
            f"/admin/articles/article/{in_review.pk}/review/",
            {"decision": "return", "review_comment": "第二段数字有误", "loaded_version": in_review.version},
            follow=True,
        )
        assert messages_of(response) == ["只有当前审次的审稿人可以退回这篇文章"]
        assert ">第二段数字有误</textarea>" in response.content.decode()

    def test_the_author_sees_the_return_comment(self, three_stages, reviewers, reporter_client, in_review):
        """After 退回修改 the reporter's draft shows who returned it and why."""
        review.send_back(article=in_review, user=reviewers["初审"], comment="导语太长")
        page = reporter_client.get(f"/admin/articles/article/{in_review.pk}/change/").content.decode()
        assert "初审退回修改（chushen）：</strong>导语太长" in page

    def test_get_redirects_to_the_form(self, three_stages, editor_client, in_review):
        """The review URL only acts on POST."""
        response = editor_client.get(f"/admin/articles/article/{in_review.pk}/review/")
        assert (response.status_code, response["Location"]) == (302, f"/admin/articles/article/{in_review.pk}/change/")


@pytest.mark.django_db
class TestIssuePages:
    def test_the_issue_page_shows_each_article_stage(self, three_stages, reviewers, editor_client, make_issue, in_review):
        """The issue form's article rows say 待复审 once 初审 has signed."""
        issue = make_issue(5, status="draft")
        Article.objects.filter(pk=in_review.pk).update(issue=issue)
        review.sign(article=in_review, user=reviewers["初审"])
        page = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert re.findall(r'<td class="field-review_stage">\s*<p>(.*?)</p>', page) == ["待复审"]

    def test_the_signoff_sheet_lists_every_stage_with_names_and_comments(
        self, three_stages, reviewers, editor_client, make_issue, in_review
    ):
        """审签单 has one row per sign-off, with the signer's name and comment."""
        issue = make_issue(5, status="draft")
        Article.objects.filter(pk=in_review.pk).update(issue=issue)
        in_review.refresh_from_db()
        for name in ("初审", "复审", "终审"):
            review.sign(article=in_review, user=reviewers[name], comment=f"{name}同意")
        response = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/signoff-sheet/")
        page = response.content.decode()
        assert response.status_code == 200
        assert [page.count(f"<td>{name}同意</td>") for name in ("初审", "复审", "终审")] == [1, 1, 1]
        assert "css/signoff_sheet.css" in page

    def test_the_signoff_sheet_marks_what_still_counts(self, three_stages, reviewers, editor_client, make_issue, in_review):
        """An approval on an older version or before a 退回修改 is 已作废; the standing ones are 有效."""
        issue = make_issue(5, status="draft")
        Article.objects.filter(pk=in_review.pk).update(issue=issue)
        in_review.refresh_from_db()
        review.sign(article=in_review, user=reviewers["初审"], comment="第一次")
        in_review.headline = "成都高新区发布新政（改）"
        in_review.save()
        review.sign(article=in_review, user=reviewers["初审"], comment="改后再签")
        review.send_back(article=in_review, user=reviewers["复审"], comment="再核数据")
        in_review.refresh_from_db()
        in_review.status = S.REVIEW
        in_review.save()
        review.sign(article=in_review, user=reviewers["初审"], comment="第三次")
        page = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/signoff-sheet/").content.decode()
        rows = re.findall(r"<td>(第一次|改后再签|再核数据|第三次)</td>\s*<td>(.*?)</td>", page)
        assert rows == [("第一次", "已作废"), ("改后再签", "已作废"), ("再核数据", "—"), ("第三次", "有效")]

    def test_the_dashboard_shows_my_queue(self, three_stages, reviewers, client, in_review):
        """初审's reviewer sees the article under 我的审稿队列; 复审's does not yet."""
        client.force_login(reviewers["初审"])
        mine = client.get("/admin/").content.decode()
        client.force_login(reviewers["复审"])
        theirs = client.get("/admin/").content.decode()
        link = f'<a href="/admin/articles/article/{in_review.pk}/change/">成都高新区发布新政</a>'
        queue = '<div class="module" id="dashboard-my-queue">'
        assert (link in mine.split(queue)[1].split("</div>")[0], "没有等你审签的稿件。" in theirs) == (True, True)
