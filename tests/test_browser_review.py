"""三审 in a real browser: three sign-offs, a 退回修改, publication, and the printed 审签单."""
import datetime

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from articles.models import Article, ReviewStage
from newsroom.models import Issue, Reporter
from tests.test_browser_admin import logged_in_page, save_and_continue, superuser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
STAGES = [(1, "初审", "责任编辑"), (2, "复审", "编辑部主任"), (3, "终审", "总编辑")]


@pytest.fixture
def stages(three_stages):
    # The data migration's rows, made again if a live-server flush lost them.
    for order, name, role in STAGES:
        group, _ = Group.objects.get_or_create(name=role)
        ReviewStage.objects.get_or_create(name=name, defaults={"role": role, "group": group, "order": order})


@pytest.fixture
def pages(browser, live_server, csp_watch):
    contexts = []

    def open_as(user):
        context = csp_watch.watch(browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN"))
        contexts.append(context)
        return logged_in_page(context, live_server.url, user)

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def submitted(db):
    """Issue 7 (a draft) with one article by 王芳, submitted for review."""
    issue = Issue.objects.create(number=7, date=datetime.date(2025, 3, 3), status="draft")
    article = Article.objects.create(issue=issue, headline="西安高新区硬科技发布", body="<p>西安高新区发布硬科技成果。</p>",
                                     status="review")
    article.bylines.create(reporter=Reporter.objects.create(name="王芳"), role="作者", position=1)
    return article


def decide(page, url: str, decision: str, comment: str) -> None:
    page.goto(url)
    page.fill("#id_review_comment", comment)
    page.click(f"button[name=decision][value={decision}]")
    page.wait_for_load_state("networkidle")


class TestThreeStageReview:
    def test_three_sign_offs_a_return_and_publication(self, stages, pages, live_server, submitted):
        """初审 signs, 复审 sends back, the author resubmits, three stages sign, the issue goes out."""
        author = superuser("wangfang", "王芳")
        first, second, third = (superuser(u, n) for u, n in [("chu", "赵初"), ("fu", "钱复"), ("zhong", "孙终")])
        url = f"{live_server.url}/admin/articles/article/{submitted.pk}/change/"

        page = pages(first)
        decide(page, url, "sign", "事实已核")
        expect(page.locator(".messagelist")).to_have_text("文章「西安高新区硬科技发布」已通过初审。")

        page = pages(second)
        decide(page, url, "return", "请补充成果数量")
        expect(page.locator(".messagelist")).to_have_text("文章「西安高新区硬科技发布」已在复审退回修改。")

        page = pages(author)
        page.goto(url)
        expect(page.locator(".review-return")).to_have_text("复审退回修改（钱复）：请补充成果数量")
        page.select_option("#id_status", "review")
        save_and_continue(page)

        for reviewer, stage in [(first, "初审"), (second, "复审"), (third, "终审")]:
            page = pages(reviewer)
            decide(page, url, "sign", f"{stage}同意")
            expect(page.locator(".messagelist")).to_have_text(f"文章「西安高新区硬科技发布」已通过{stage}。")

        page = pages(author)
        page.goto(f"{live_server.url}/admin/newsroom/issue/{submitted.issue_id}/change/")
        expect(page.locator("td.field-review_stage")).to_have_text("审毕")
        page.click("input[name=_publish_issue]")
        page.wait_for_load_state("networkidle")
        assert (Issue.objects.get(pk=submitted.issue_id).status, Article.objects.get(pk=submitted.pk).status) == (
            "published", "published")

    def test_the_signoff_sheet_prints_without_the_admin_chrome(self, stages, pages, live_server, submitted):
        """In print media the header and breadcrumbs are hidden and the sheet remains; a PDF comes out."""
        page = pages(superuser("boss", "周总"))
        page.goto(f"{live_server.url}/admin/newsroom/issue/{submitted.issue_id}/signoff-sheet/")
        expect(page.locator("#header")).to_be_visible()
        page.emulate_media(media="print")
        expect(page.locator("#header")).to_be_hidden()
        expect(page.locator(".breadcrumbs")).to_be_hidden()
        expect(page.locator(".signoff-table tbody tr > *")).to_have_text(["1", "西安高新区硬科技发布", "王芳", "尚无审签"])
        assert page.pdf(format="A4", landscape=True)[:5] == b"%PDF-"
