"""The seed issue imports exactly as the design says."""
import re

import pytest

from articles.models import Article
from newsroom.importing.parser import parse_issue

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
FEATURE_ZONES = {
    "成都高新区", "武汉东湖高新区", "南通高新区", "江阴高新区", "合肥高新区", "广州高新区",
    "威海火炬高新区", "襄阳高新区", "洛阳高新区", "宝鸡高新区", "昆明高新区", "孝感高新区",
}
SENTENCE_END = re.compile(r"[。！？!?…；;：:][”’）》」』]*$")


@pytest.fixture
def parsed(seed_bytes):
    return parse_issue(seed_bytes)


class TestSeedParse:
    def test_two_articles(self, parsed):
        assert [a.headline for a in parsed.articles] == ["国家高新区忙开局奋力“开门红”", "济南高新区探索对外开放新格局"]

    def test_feature_structure(self, parsed):
        feature = parsed.articles[0]
        assert [(c.name, c.role) for c in feature.credits] == [("刘琴", "作者")]
        assert [(b.text, b.subtitle) for b in feature.blocks if b.type == "heading"] == [
            ("“新”潮涌动", "增强创新发展新动能"),
            ("“谋”上发力", "狠抓项目落地建设"),
            ("“优”无止境", "推动营商环境提档升级"),
        ]
        assert len(feature.paragraphs) == 25
        assert feature.dateline == ""

    def test_sections_hold_9_7_and_9_paragraphs(self, parsed):
        sizes, count = [], 0
        for block in parsed.articles[0].blocks:
            if block.type == "heading":
                sizes.append(count)
                count = 0
            else:
                count += 1
        assert sizes + [count] == [1, 8, 7, 9]

    def test_report_structure(self, parsed):
        report = parsed.articles[1]
        assert report.dateline == "本报讯"
        assert [(c.name, c.role) for c in report.credits] == [("韩霄鹏", "作者")]
        assert len(report.paragraphs) == 8
        assert report.paragraphs[0].text.startswith("作为济南市对外开放的主阵地")
        assert report.paragraphs[-1].text.endswith("走在前列。")

    def test_page_breaks_are_repaired(self, parsed):
        body = "\n".join(b.text for a in parsed.articles for b in a.paragraphs)
        for joined in ["有望成为", "一座高品质", "年度计划", "时常能听到", "投资办厂、资源开发", "参加人数超过", "全要素"]:
            assert joined in body

    def test_no_paragraph_ends_mid_sentence(self, parsed):
        unfinished = [p.text[-15:] for a in parsed.articles for p in a.paragraphs if not SENTENCE_END.search(p.text)]
        assert unfinished == []

    def test_punctuation_is_normalized_and_codes_kept(self, parsed):
        body = "\n".join(b.text for a in parsed.articles for b in a.paragraphs)
        assert "," not in body and "(" not in body
        for kept in ["3.6亿元", "BPR-30221616", "（siRNA）", "（CDE）", "0.1毫米"]:
            assert kept in body

    def test_every_han_character_kept_in_order_none_invented(self, parsed, seed_bytes):
        source = HAN.findall(seed_bytes.decode("utf-8"))
        out = []
        for article in parsed.articles:
            out += HAN.findall(article.headline + article.subheadline)
            if article is parsed.articles[0]:
                out += HAN.findall("".join(c.name for c in article.credits))
            out += HAN.findall(article.dateline)
            for block in article.blocks:
                out += HAN.findall(block.text + block.subtitle)
            if article is parsed.articles[1]:
                out += HAN.findall("".join(c.name for c in article.credits))
        assert out == source


@pytest.mark.django_db
class TestSeedImport:
    def test_feature_zones(self, imported_seed):
        feature = Article.objects.get(issue=imported_seed, position=1)
        assert set(feature.zones.values_list("name", flat=True)) == FEATURE_ZONES
        assert feature.unknown_zones == {}

    def test_feature_mention_counts(self, imported_seed):
        feature = Article.objects.get(issue=imported_seed, position=1)
        counts = dict(feature.zone_mentions.values_list("zone__name", "mentions"))
        assert counts == {
            "昆明高新区": 5, "合肥高新区": 4, "孝感高新区": 3, "武汉东湖高新区": 2, "江阴高新区": 2,
            "成都高新区": 1, "南通高新区": 1, "广州高新区": 1, "威海火炬高新区": 1, "襄阳高新区": 1,
            "洛阳高新区": 1, "宝鸡高新区": 1,
        }

    def test_report_zone(self, imported_seed):
        report = Article.objects.get(issue=imported_seed, position=2)
        assert list(report.zones.values_list("name", flat=True)) == ["济南高新区"]
        assert report.dateline == "本报讯"
        assert [b["type"] for b in report.blocks] == ["paragraph"] * 8

    def test_seed_is_published_issue_1(self, imported_seed):
        assert imported_seed.number == 1
        assert imported_seed.status == "published"
        assert Article.objects.published().count() == 2
