"""export_issue: the JSON interface and the text round trip."""
import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from newsroom.exporting import issue_export_data


def export(*args) -> str:
    out = StringIO()
    call_command("export_issue", *map(str, args), stdout=out)
    return out.getvalue()


def article_signature(article: Article) -> tuple:
    return (
        article.position, article.kicker, article.headline, article.subheadline, article.dateline,
        article.body, tuple(article.bylines.values_list("reporter__name", "role")),
        tuple(sorted(article.zone_mentions.values_list("zone__name", "mentions"))),
        tuple(sorted(article.unknown_zones.items())),
    )


@pytest.mark.django_db
class TestExportIssue:
    def test_json_shape(self, imported_seed):
        data = json.loads(export(1))
        assert {k: data[k] for k in ("number", "title", "status", "unknown_zone_mentions")} == {
            "number": 1, "title": "", "status": "published", "unknown_zone_mentions": []
        }
        assert data["date"] == imported_seed.date.isoformat()
        feature, report = data["articles"]
        assert feature["reporters"] == [{"name": "刘琴", "role": "作者"}]
        assert feature["status"] == "published"
        assert feature["url"] == f"/articles/{Article.objects.get(position=1).pk}/guo-jia-gao-xin-qu-mang-kai-ju-fen-li-kai-men-hong/"
        assert feature["blocks"][1] == {"type": "heading", "text": "“新”潮涌动", "subtitle": "增强创新发展新动能"}
        assert sum(b["type"] == "paragraph" for b in feature["blocks"]) == 25
        assert {z["name"] for z in feature["zones"]} == {
            "成都高新区", "武汉东湖高新区", "南通高新区", "江阴高新区", "合肥高新区", "广州高新区",
            "威海火炬高新区", "襄阳高新区", "洛阳高新区", "宝鸡高新区", "昆明高新区", "孝感高新区",
        }
        assert feature["zones"][0] == {"name": "昆明高新区", "slug": "kun-ming-gao-xin-qu", "mentions": 5}
        assert (report["dateline"], report["zones"][0]["name"], report["tags"]) == ("本报讯", "济南高新区", [])
        for key in ("position", "headline", "kicker", "subheadline", "dateline", "reporters", "zones", "tags", "status", "url", "blocks"):
            assert key in feature

    def test_json_carries_the_body_html(self, make_issue, make_article):
        """The blocks keep the text only; the body keeps bold and links for other tools."""
        body = '<p>正文<strong>加粗</strong>和<a href="https://example.com/" rel="noopener noreferrer nofollow">链接</a>。</p>'
        make_article(issue=make_issue(1), body=body)
        assert json.loads(export(1))["articles"][0]["body"] == body

    def test_unknown_zone_mentions_are_listed(self, tmp_path):
        (tmp_path / "a.txt").write_text("标题\n\n► 刘琴\n\n宿迁高新区和莆田高新区，宿迁高新区。\n")
        call_command("import_issue", str(tmp_path / "a.txt"), stdout=StringIO())
        data = json.loads(export(1))
        assert data["unknown_zone_mentions"] == [
            {"name": "宿迁高新区", "mentions": 2, "articles": [1]},
            {"name": "莆田高新区", "mentions": 1, "articles": [1]},
        ]

    def test_text_round_trip_gives_the_same_articles(self, imported_seed, tmp_path):
        (tmp_path / "export.txt").write_text(export(1, "--format", "text"))
        call_command("import_issue", str(tmp_path / "export.txt"), "--number", "2", stdout=StringIO())
        first = [article_signature(a) for a in Article.objects.filter(issue__number=1)]
        second = [article_signature(a) for a in Article.objects.filter(issue__number=2)]
        assert len(first) == 2 and first == second

    def test_round_trip_keeps_roles_kickers_and_datelines(self, tmp_path):
        text = "引题\n主标题\n副题\n\n► 记者 张三 通讯员 李四\n\n本报讯 第一段。\n\n小标题\n\n第二段。\n"
        (tmp_path / "a.txt").write_text(text)
        call_command("import_issue", str(tmp_path / "a.txt"), stdout=StringIO())
        exported = export(1, "--format", "text")
        assert exported == text
        (tmp_path / "b.txt").write_text(exported)
        # The export is the very text of issue 1, so a second copy has to be asked for.
        call_command("import_issue", str(tmp_path / "b.txt"), "--number", "2", "--allow-duplicate", stdout=StringIO())
        a, b = Article.objects.order_by("issue__number")
        assert article_signature(a) == article_signature(b)
        assert issue_export_data(a.issue)["articles"][0]["reporters"] == [
            {"name": "张三", "role": "记者"}, {"name": "李四", "role": "通讯员"}
        ]

    def test_missing_issue(self, db):
        with pytest.raises(CommandError, match="第 9 期不存在。"):
            export(9)

    def test_round_trip_keeps_byline_order_across_roles(self, tmp_path):
        text = "标题\n\n► 记者 张三 通讯员 周平\n\n第一段。 李四\n"
        (tmp_path / "a.txt").write_text(text)
        call_command("import_issue", str(tmp_path / "a.txt"), stdout=StringIO())
        exported = export(1, "--format", "text")
        assert "► 记者 张三 通讯员 周平 作者 李四" in exported
        (tmp_path / "b.txt").write_text(exported)
        call_command("import_issue", str(tmp_path / "b.txt"), "--number", "2", "--allow-duplicate", stdout=StringIO())
        a, b = Article.objects.order_by("issue__number")
        assert list(b.bylines.values_list("reporter__name", "role")) == [("张三", "记者"), ("周平", "通讯员"), ("李四", "作者")]
        assert article_signature(a) == article_signature(b)


def export_refused(number: int) -> tuple[str, list[str]]:
    """Runs a text export that must refuse; returns (the error, the stderr lines)."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("export_issue", str(number), "--format", "text", stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(refused.value), err.getvalue().splitlines()


BEIJING = ZoneInfo("Asia/Shanghai")
REFUSAL = "第1期不能导出为文本：文本格式保存不了上面列出的内容。请改用 --format json 导出，或用 make backup 做完整备份。"


@pytest.mark.django_db
class TestTextExportRefuses:
    @pytest.mark.parametrize(
        "changes, reason",
        [
            ({"standfirst": "这是导语。"}, "导语"),
            ({"kicker": "引题"}, "引题（没有副题时）"),
            ({"body": "<p>正文<strong>加粗</strong>第一段。</p>"}, "加粗"),
            ({"body": "<p>正文<b>加粗</b>第一段。</p>"}, "加粗"),
            ({"body": '<p>正文<a href="https://example.com/">链接</a>第一段。</p>'}, "链接"),
            ({"body": "<ul><li>第一条。</li><li>第二条。</li></ul>"}, "列表"),
            ({"body": "<blockquote><p>引用的一段话。</p></blockquote>"}, "引用"),
            ({"body": "<p>第一行。<br>第二行。</p>"}, "段内换行"),
            ({"body": "<h3>单独的小标题</h3><p>正文第一段。</p>"}, "单独的三级标题"),
            ({"status": "review"}, "状态（待审）"),
            ({"status": "archived"}, "状态（已归档）"),
        ],
    )
    def test_each_lossy_field_is_named(self, make_issue, make_article, changes, reason):
        """A field the text format cannot carry refuses the export and is named."""
        make_article(issue=make_issue(1), **changes)
        assert export_refused(1) == (REFUSAL, [f"第1篇《测试文章》：文本格式无法保存{reason}"])

    def test_topics_are_named(self, make_issue, make_article):
        """Topics (tags) refuse the export."""
        make_article(issue=make_issue(1), tags=["创新"])
        assert export_refused(1)[1] == ["第1篇《测试文章》：文本格式无法保存话题"]

    def test_manual_zones_are_named(self, make_issue, make_article, make_zone):
        """A zone an editor added or removed by hand would be re-detected on import."""
        article = make_article(issue=make_issue(1))
        article.excluded_zones.add(make_zone("成都高新区"))
        assert export_refused(1)[1] == ["第1篇《测试文章》：文本格式无法保存手动设置的高新区"]

    def test_published_article_in_a_draft_issue_is_named(self, make_issue, make_article):
        """Re-importing a draft issue makes drafts, so a published article would lose its status."""
        make_article(issue=make_issue(1, status="draft"))
        assert export_refused(1)[1] == ["第1篇《测试文章》：文本格式无法保存状态（已发布）"]

    def test_a_schedule_is_named(self, make_issue, make_article):
        """A published article scheduled for later than its issue's date."""
        make_article(issue=make_issue(1), publish_at=dt.datetime(2099, 3, 1, 8, 0, tzinfo=BEIJING))
        assert export_refused(1)[1] == ["第1篇《测试文章》：文本格式无法保存排期（2099-03-01 08:00）"]

    def test_several_fields_share_one_line_per_article(self, make_issue, make_article):
        """One line per article, naming everything it would lose."""
        issue = make_issue(1)
        make_article("第一篇", issue=issue, position=1, standfirst="导语。", tags=["创新"],
                     body='<p><strong>加粗</strong>和<a href="https://example.com/">链接</a>。</p>')
        make_article("第二篇", issue=issue, position=2)
        make_article("第三篇", issue=issue, position=3, kicker="引题")
        assert export_refused(1)[1] == [
            "第1篇《第一篇》：文本格式无法保存导语、话题、加粗、链接",
            "第3篇《第三篇》：文本格式无法保存引题（没有副题时）",
        ]

    def test_a_one_line_body_that_reads_as_a_title_is_refused(self, make_issue, make_article):
        """A draft whose only paragraph is a short line would come back with no body."""
        make_article("草稿", issue=make_issue(1, status="draft"), status="draft", body="<p>待补充</p>", reporters=())
        assert export_refused(1)[1] == [
            "第1篇《草稿》：重新导入失败（标题“草稿”后面没有正文。）；没有句末标点的短段落“待补充”会被读成标题"
        ]

    def test_an_article_that_would_merge_into_the_previous_one_is_named(self, make_issue, make_article):
        """A headline ending a sentence does not read as a headline: the article joins the one before."""
        issue = make_issue(1)
        make_article("第一篇", issue=issue, position=1)
        make_article("他说：行。", issue=issue, position=2)
        assert export_refused(1)[1] == ["第1篇《第一篇》：重新导入后正文不同", "第2篇《他说：行。》：重新导入后会并入上一篇"]

    def test_an_article_that_would_split_in_two_is_named(self, make_issue, make_article):
        """A heading followed by a 本报讯 paragraph reads as a new article."""
        body = "<p>第一段。</p><h2>另一条消息</h2><p>本报讯 另一条消息的正文。</p>"
        make_article(issue=make_issue(1), body=body)
        assert export_refused(1)[1] == ["第1篇《测试文章》：重新导入后正文不同；重新导入后会拆成两篇"]

    def test_an_issue_without_articles_is_refused(self, make_issue):
        """An empty issue has no text that would import."""
        make_issue(1)
        assert export_refused(1)[1] == ["第1期没有文章，文本格式无法表示空的一期。"]


def full_signature(article: Article) -> tuple:
    """Everything an editor sees in an article, without the row ids."""
    return (
        *article_signature(article), article.standfirst, article.status, article.publish_at,
        tuple(article.tags.names()), tuple(article.zone_mentions.values_list("zone__name", "manual")),
    )


def text_round_trip(number: int, folder) -> tuple[list, list]:
    """Exports issue `number` as text, deletes it, imports the text again: (before, after).

    The issue is imported back as it was: same number and date, published if it was.
    """
    from newsroom.models import Issue

    path = folder / f"export-{number}.txt"
    path.write_text(export(number, "--format", "text"))
    issue = Issue.objects.get(number=number)
    options = ["--number", str(number), "--date", issue.date.isoformat()]
    options += ["--publish"] if issue.is_published else []
    before = [full_signature(a) for a in issue.articles.order_by("position")]
    issue.articles.all().delete()
    issue.delete()
    call_command("import_issue", str(path), *options, stdout=StringIO())
    after = [full_signature(a) for a in Issue.objects.get(number=number).articles.order_by("position")]
    return before, after


ISSUE_VARIANTS = {
    "several reporters and roles": "标题一\n\n► 记者 张三 通讯员 李四\n\n本报讯 第一段。\n\n第二段。\n",
    "kicker, headline and subheadline": "引题\n主标题\n副题\n\n► 刘琴\n\n第一段。\n",
    "a subheadline on its own line": "主标题\n\n副题在下一行\n\n► 刘琴\n\n第一段。\n",
    "section headings with subtitles": "标题\n\n► 刘琴\n\n导入的第一段。\n\n小标题\n分标题\n\n第二段。\n\n另一个小标题\n\n第三段。\n",
    "a dateline with credits": "标题\n\n本报北京1月5日电（记者 王芳）第一段。\n\n第二段。\n",
    "a trailing byline": "标题\n\n第一段。\n\n第二段。 韩霄鹏\n",
    "several articles": "第一篇\n\n► 刘琴\n\n第一段。\n\n第二篇\n\n► 王芳\n\n第一段。\n\n第三篇\n副题\n\n► 李明\n\n正文。\n",
}


@pytest.mark.django_db
class TestTextExportRoundTrip:
    def test_the_seed_round_trips_exactly(self, imported_seed, tmp_path):
        """The seed, published, comes back as the same articles, status and publication time."""
        before, after = text_round_trip(1, tmp_path)
        assert len(before) == 2 and before == after

    @pytest.mark.parametrize("text", ISSUE_VARIANTS.values(), ids=ISSUE_VARIANTS.keys())
    @pytest.mark.parametrize("publish", [False, True], ids=["draft", "published"])
    def test_imported_issues_round_trip_exactly(self, tmp_path, text, publish):
        """Issues as the importer makes them, draft or published, come back unchanged."""
        (tmp_path / "issue.txt").write_text(text)
        options = ["--number", "3", "--date", "2025-01-06"] + (["--publish"] if publish else [])
        call_command("import_issue", str(tmp_path / "issue.txt"), *options, stdout=StringIO())
        before, after = text_round_trip(3, tmp_path)
        assert before and before == after

    def test_the_check_costs_the_same_queries_for_any_number_of_articles(self, tmp_path, django_assert_max_num_queries):
        """The round-trip check reads prefetched rows: no query per article."""
        text = "".join(f"第{n}篇\n\n► 刘琴\n\n第{n}篇的正文。\n\n" for n in range(1, 31))
        (tmp_path / "issue.txt").write_text(text)
        call_command("import_issue", str(tmp_path / "issue.txt"), "--number", "3", stdout=StringIO())
        with django_assert_max_num_queries(8):
            exported = export(3, "--format", "text")
        assert exported == text.rstrip("\n") + "\n"

    def test_an_article_without_bylines_keeps_its_place(self, make_issue, make_article, tmp_path):
        """A bare ► starts an article that has no byline, so it does not join the one before."""
        issue = make_issue(1, status="draft")
        make_article("第一篇", issue=issue, position=1, status="draft")
        make_article("编辑部写的草稿", issue=issue, position=2, status="draft", reporters=(), body="<p>只有一行正文。</p>")
        Article.objects.update(publish_at=None)
        assert "编辑部写的草稿\n\n►\n\n只有一行正文。\n" in export(1, "--format", "text")
        before, after = text_round_trip(1, tmp_path)
        assert [a[2] for a in after] == ["第一篇", "编辑部写的草稿"] and before == after
