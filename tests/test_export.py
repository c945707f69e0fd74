"""export_issue: the JSON interface and the text round trip."""
import json
from io import StringIO

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
        call_command("import_issue", str(tmp_path / "b.txt"), "--number", "2", stdout=StringIO())
        a, b = Article.objects.order_by("issue__number")
        assert list(b.bylines.values_list("reporter__name", "role")) == [("张三", "记者"), ("周平", "通讯员"), ("李四", "作者")]
        assert article_signature(a) == article_signature(b)
