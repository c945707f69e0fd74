"""Held-out-style issue files: other encodings, page breaks, bylines, datelines and zones.

Each test feeds a realistic issue (several articles, like the seed) through the parser or
the commands and pins the exact result docs/issue-format.md asks for.
"""
import codecs
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from newsroom.importing.parser import ParseError, parse_issue
from newsroom.models import Issue

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

ISSUE = """\
\u3000\u3000聚焦创新驱动
\u3000\u3000苏州工业园区打造生物医药产业高地
\u3000\u3000——园区去年生物医药产值突破1500亿元

► 本报记者 王晓明 李娜 通讯员 陈刚

\u3000\u30001月8日,苏州工业园区召开生物医药产业发展大会,发布了一系列扶持政策。据介绍,2024年园区生物医药产业产值同比增长12.5%,集聚企业超过2300家。苏州工业园与苏州高新区将共建产业联盟。

创新平台
加快建设高能级载体

\u3000\u3000近年来,园区先后引进了一批国家级创新平台。“我们的目标是到2027年建成世界一流的生物医药创新集群,”园区科技局负责人说,“为此,我们将持续加大投入。”

\u3000\u3000在园区的一家企业里,研发人员正在调试一台新型质谱仪。这台设备由园区企业与东湖高新区一家企业联合研发,采用了最新的mass

spectrometry技术,可将检测时间缩短至原来的1/3。

\u3000\u3000截至目前,园区已累计投入研发资金超过12


0亿元,建成公共技术服务平台30余个,服务企业超过5000家次。

服务保障

\u3000\u3000园区还推出“人才安居”工程,为高层次人才提供住房保障。下一步,园区将继续深化改革,努力在生物医药领域走在前列。 赵敏

中关村发布人工智能产业新政
——从算力、数据等方面提出20条措施

本报讯（记者 孙丽 通讯员 周平）1月12日,中关村科技园区管委会发布《关于支持人工智能产业高质量发展的若干措施》(以下简称《措施》)。

\u3000\u3000据悉,北京市新技术产业开发试验区作为中关村的前身,自1988年成立以来,始终走在全国高新区前列。

\u3000\u3000业内人士认为,中关村的做法值得各高新区借鉴。宿迁高新区、威海高区相关负责人也表示将加强交流合作。

光谷：向“新”而行
——武汉东湖高新区培育“专精特新”企业

▶ 记者 欧阳晓明

\u3000\u30002025年,中国光谷将围绕光电子信息产业,培育更多“专精特新”企业。国家高新区中,武汉东湖高新区的研发投入强度位居前列,各高新园区纷纷前来学习。

\u3000\u3000“我们对未来充满信心!”企业负责人表示。 （通讯员 吴芳）
"""

EXPECTED_ARTICLES = [
    {
        "kicker": "聚焦创新驱动",
        "headline": "苏州工业园区打造生物医药产业高地",
        "subheadline": "——园区去年生物医药产值突破1500亿元",
        "dateline": "",
        "credits": [("王晓明", "记者"), ("李娜", "记者"), ("陈刚", "通讯员"), ("赵敏", "作者")],
        "blocks": [
            ("paragraph", "1月8日，苏州工业园区召开生物医药产业发展大会，发布了一系列扶持政策。据介绍，2024年园区生物医药产业产值同比增长12.5%，集聚企业超过2300家。苏州工业园与苏州高新区将共建产业联盟。", ""),
            ("heading", "创新平台", "加快建设高能级载体"),
            ("paragraph", "近年来，园区先后引进了一批国家级创新平台。“我们的目标是到2027年建成世界一流的生物医药创新集群，”园区科技局负责人说，“为此，我们将持续加大投入。”", ""),
            ("paragraph", "在园区的一家企业里，研发人员正在调试一台新型质谱仪。这台设备由园区企业与东湖高新区一家企业联合研发，采用了最新的mass spectrometry技术，可将检测时间缩短至原来的1/3。", ""),
            ("paragraph", "截至目前，园区已累计投入研发资金超过120亿元，建成公共技术服务平台30余个，服务企业超过5000家次。", ""),
            ("heading", "服务保障", ""),
            ("paragraph", "园区还推出“人才安居”工程，为高层次人才提供住房保障。下一步，园区将继续深化改革，努力在生物医药领域走在前列。", ""),
        ],
    },
    {
        "kicker": "",
        "headline": "中关村发布人工智能产业新政",
        "subheadline": "——从算力、数据等方面提出20条措施",
        "dateline": "本报讯",
        "credits": [("孙丽", "记者"), ("周平", "通讯员")],
        "blocks": [
            ("paragraph", "1月12日，中关村科技园区管委会发布《关于支持人工智能产业高质量发展的若干措施》（以下简称《措施》）。", ""),
            ("paragraph", "据悉，北京市新技术产业开发试验区作为中关村的前身，自1988年成立以来，始终走在全国高新区前列。", ""),
            ("paragraph", "业内人士认为，中关村的做法值得各高新区借鉴。宿迁高新区、威海高区相关负责人也表示将加强交流合作。", ""),
        ],
    },
    {
        "kicker": "",
        "headline": "光谷：向“新”而行",
        "subheadline": "——武汉东湖高新区培育“专精特新”企业",
        "dateline": "",
        "credits": [("欧阳晓明", "记者"), ("吴芳", "通讯员")],
        "blocks": [
            ("paragraph", "2025年，中国光谷将围绕光电子信息产业，培育更多“专精特新”企业。国家高新区中，武汉东湖高新区的研发投入强度位居前列，各高新园区纷纷前来学习。", ""),
            ("paragraph", "“我们对未来充满信心！”企业负责人表示。", ""),
        ],
    },
]

# Zone -> mentions per article: aliases (苏州工业园, 东湖高新区, 中关村科技园, 北京市新技术产业
# 开发试验区, 威海高区, 中国光谷, 光谷) count for their zone; 国家级/全国/各高新区/国家高新区/
# 各高新园区 link nothing.
EXPECTED_ZONES = [
    {"苏州工业园区": 3, "苏州高新区": 1, "武汉东湖高新区": 1},
    {"中关村": 5, "威海火炬高新区": 1},
    {"武汉东湖高新区": 4},
]
# Role words are not names: they become roles, so they are the only Han text not kept.
ROLE_WORDS = "本报记者" "通讯员" "记者" "通讯员" "记者" "通讯员"


def shape(article) -> dict:
    return {
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "dateline": article.dateline,
        "credits": [(c.name, c.role) for c in article.credits],
        "blocks": [(b.type, b.text, b.subtitle) for b in article.blocks],
    }


def encoded(text: str, encoding: str, newline: str = "\n") -> bytes:
    text = text.replace("\n", newline)
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding in {"utf-16-le", "utf-16-be"}:
        bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
        return bom + text.encode(encoding)
    return text.encode(encoding)


# --- parser ---------------------------------------------------------------------------


class TestRealisticIssue:
    @pytest.mark.parametrize(
        "encoding,newline",
        [
            ("utf-8", "\n"),
            ("utf-8-sig", "\r\n"),
            ("utf-16-le", "\r\n"),
            ("utf-16-be", "\r"),
            ("gb18030", "\r\n"),
            ("gb18030", "\r"),
        ],
    )
    def test_three_articles_in_every_encoding_and_line_ending(self, encoding, newline):
        parsed = parse_issue(encoded(ISSUE, encoding, newline))
        assert [shape(a) for a in parsed.articles] == EXPECTED_ARTICLES
        assert parsed.warnings == []

    def test_reported_encodings(self):
        assert parse_issue(encoded(ISSUE, "utf-8-sig")).encoding == "utf-8-sig"
        assert parse_issue(encoded(ISSUE, "utf-16-be")).encoding == "utf-16"
        assert parse_issue(encoded(ISSUE, "gb18030")).encoding == "gb18030"

    def test_every_han_character_kept_none_invented(self):
        parsed = parse_issue(ISSUE.encode())
        out = []
        for a in parsed.articles:
            out += HAN.findall(a.kicker + a.headline + a.subheadline + a.dateline)
            out += HAN.findall("".join(c.name for c in a.credits))
            for b in a.blocks:
                out += HAN.findall(b.text + b.subtitle)
        source = HAN.findall(ISSUE)
        assert Counter(out) - Counter(source) == Counter()
        assert Counter(source) - Counter(out) == Counter(ROLE_WORDS)

    def test_body_han_keeps_source_order(self):
        parsed = parse_issue(ISSUE.encode())
        body = "".join(HAN.findall("".join(b.text + b.subtitle for a in parsed.articles for b in a.blocks)))
        source = iter(HAN.findall(ISSUE))
        assert all(ch in source for ch in body)  # a subsequence of the source

    def test_no_paragraph_ends_mid_sentence(self):
        parsed = parse_issue(ISSUE.encode())
        ends = re.compile(r"[。！？!?…；;：:][”’）》」』]*$")
        assert all(ends.search(p.text) for a in parsed.articles for p in a.paragraphs)


class TestEncodingsAndIndentation:
    def test_gbk_file_with_datelines(self):
        # GBK has no ► or ▶, so a GBK issue credits its reporters in the dateline.
        text = (
            "合肥高新区量子产业再获突破\r\n\r\n"
            "　　本报讯（记者 孙丽 通讯员 周平、王强）1月14日,合肥高新区举行量子科技产业大会。\r\n\r\n"
            "　　据介绍,合肥高新区已集聚量子企业60余家。\r\n\r\n"
            "芜湖高新区机器人产业园开园\r\n\r\n"
            "　　本报讯 1月15日,芜湖高新区机器人产业园正式开园。\r\n"
        )
        parsed = parse_issue(text.encode("gbk"))
        assert parsed.encoding == "gb18030"
        assert [(a.headline, a.dateline, [(c.name, c.role) for c in a.credits], [b.text for b in a.blocks]) for a in parsed.articles] == [
            (
                "合肥高新区量子产业再获突破",
                "本报讯",
                [("孙丽", "记者"), ("周平", "通讯员"), ("王强", "通讯员")],
                ["1月14日，合肥高新区举行量子科技产业大会。", "据介绍，合肥高新区已集聚量子企业60余家。"],
            ),
            ("芜湖高新区机器人产业园开园", "本报讯", [], ["1月15日，芜湖高新区机器人产业园正式开园。"]),
        ]

    def test_nbsp_and_ideographic_space_indentation(self):
        text = "标题一\n\n\u00a0\u00a0► 记者 张三\n\n\u00a0\u00a0\u3000 第一段正文。\n\t第一段续行。\n\n\u3000\u3000第二段正文。\u3000\n"
        article = parse_issue(text.encode()).articles[0]
        assert [(c.name, c.role) for c in article.credits] == [("张三", "记者")]
        assert [b.text for b in article.blocks] == ["第一段正文。第一段续行。", "第二段正文。"]


class TestPageBreaks:
    def test_break_inside_a_number_and_between_latin_words(self):
        text = (
            "标题一\n\n► 张三\n\n"
            "据悉,该项目总投资额达到了388.7亿元,预计建成后年产值3\n\n\n.6亿元,可带动Hi-Tech\n\n"
            "Zone周边就业超过1\n\n000人。\n"
        )
        assert [b.text for b in parse_issue(text.encode()).articles[0].blocks] == [
            "据悉，该项目总投资额达到了388.7亿元，预计建成后年产值3.6亿元，可带动Hi-Tech Zone周边就业超过1000人。"
        ]

    def test_break_after_enumeration_comma_and_before_closing_quote(self):
        text = (
            "标题一\n\n► 张三\n\n"
            "近年来,园区围绕主导产业延链补链,重点发展集成电路、新型显示、\n\n生物医药等产业,打通产业协作“最后一\n\n公里”。\n\n"
            "第二段正文。\n"
        )
        assert [b.text for b in parse_issue(text.encode()).articles[0].blocks] == [
            "近年来，园区围绕主导产业延链补链，重点发展集成电路、新型显示、生物医药等产业，打通产业协作“最后一公里”。",
            "第二段正文。",
        ]

    def test_form_feed_page_break_mid_sentence_between_articles(self):
        text = (
            "标题一\n\n► 张三\n\n园区企业研发投入持续增长,新增发明专利授权量达到\n\f\n1200件。\n\n"
            "标题二\n\n► 李四\n\n正文二。\n"
        )
        articles = parse_issue(text.encode()).articles
        assert [(a.headline, [b.text for b in a.blocks]) for a in articles] == [
            ("标题一", ["园区企业研发投入持续增长，新增发明专利授权量达到1200件。"]),
            ("标题二", ["正文二。"]),
        ]


class TestBylinesAndDatelines:
    def test_role_prefixes_and_separators(self):
        text = "标题一\n\n▶ 特约记者 王晓明、李娜，本报通讯员 陈刚　吴芳\n\n正文。\n"
        assert [(c.name, c.role) for c in parse_issue(text.encode()).articles[0].credits] == [
            ("王晓明", "记者"), ("李娜", "记者"), ("陈刚", "通讯员"), ("吴芳", "通讯员")
        ]

    def test_dateline_with_place_date_and_credits(self):
        text = "西安高新区硬科技产业加速集聚\n\n本报西安1月15日电（记者 孙丽　通讯员 周平）1月14日,西安高新区举行重点项目签约仪式。\n"
        article = parse_issue(text.encode()).articles[0]
        assert (article.dateline, [(c.name, c.role) for c in article.credits], article.blocks[0].text) == (
            "本报西安1月15日电",
            [("孙丽", "记者"), ("周平", "通讯员")],
            "1月14日，西安高新区举行重点项目签约仪式。",
        )

    def test_byline_and_dateline_credits_merge_without_duplicates(self):
        text = "标题一\n\n► 记者 张三\n\n本报讯(记者 张三 通讯员 李四)正文第一段。\n\n第二段,走在前列。 王五\n"
        article = parse_issue(text.encode()).articles[0]
        assert [(c.name, c.role) for c in article.credits] == [("张三", "记者"), ("李四", "通讯员"), ("王五", "作者")]
        assert (article.dateline, [b.text for b in article.blocks]) == ("本报讯", ["正文第一段。", "第二段，走在前列。"])

    def test_trailing_byline_with_roles_before_a_headline_with_subtitle(self):
        text = (
            "标题一\n\n► 张三\n\n正文第一段。\n\n下一步,园区将走在前列。　记者 李四 通讯员 王五\n\n"
            "标题二\n副题二\n\n本报讯 正文二。\n"
        )
        first, second = parse_issue(text.encode()).articles
        assert [(c.name, c.role) for c in first.credits] == [("张三", "作者"), ("李四", "记者"), ("王五", "通讯员")]
        assert [b.text for b in first.blocks] == ["正文第一段。", "下一步，园区将走在前列。"]
        assert (second.headline, second.subheadline, second.dateline) == ("标题二", "副题二", "本报讯")

    def test_subtitle_on_its_own_line_before_a_dateline(self):
        text = "标题一\n\n► 张三\n\n正文。\n\n济南高新区探索对外开放新格局\n\n——多点支撑构建外向型经济\n\n本报讯 正文二。\n"
        second = parse_issue(text.encode()).articles[1]
        assert (second.headline, second.subheadline, second.dateline, [b.text for b in second.blocks]) == (
            "济南高新区探索对外开放新格局", "——多点支撑构建外向型经济", "本报讯", ["正文二。"]
        )


class TestPunctuation:
    def test_ascii_next_to_han_only(self):
        text = "标题一\n\n► 张三\n\n上午9:30,园区发布BPR-30221616注射液(CDE)等3.6亿元项目;1,000家企业参与:效果如何?很好!\n"
        assert parse_issue(text.encode()).articles[0].blocks[0].text == (
            "上午9:30，园区发布BPR-30221616注射液（CDE）等3.6亿元项目；1,000家企业参与：效果如何？很好！"
        )

    def test_headline_and_subtitle_are_normalized_too(self):
        text = "光谷:向新而行\n——东湖高新区(光谷)答卷\n\n► 张三\n\n正文。\n"
        article = parse_issue(text.encode()).articles[0]
        assert (article.headline, article.subheadline) == ("光谷：向新而行", "——东湖高新区（光谷）答卷")


class TestBadFiles:
    UNDECODABLE = "无法识别文件编码：只支持 UTF-8（可带 BOM）、带 BOM 的 UTF-16 和 GB18030/GBK。"

    @pytest.mark.parametrize(
        "data,message,line",
        [
            (b"", "文件是空的。", None),
            (codecs.BOM_UTF8, "文件只有空白，没有内容。", None),
            ("\u3000\u3000\r\n\u00a0\r\n\t\r\n".encode(), "文件只有空白，没有内容。", None),
            ("标题一\n\n► 张三\n\n".encode() + b"\xe6\xad\xa3\xff\n", UNDECODABLE, 5),
            ("标题一\n\n► 张三\n\n正文。\n".encode() + "第二段。\n".encode("gbk"), UNDECODABLE, 6),
            ("标题一\n\n► 记者 张三\n".encode(), "标题“标题一”后面没有正文。", 1),
            ("\n\n标题一\n\n► 张三\n\n小标题\n副题\n".encode("gb18030"), "标题“标题一”后面没有正文。", 3),
        ],
    )
    def test_refused_with_message_and_line(self, data, message, line):
        with pytest.raises(ParseError) as excinfo:
            parse_issue(data)
        assert (excinfo.value.message, excinfo.value.line) == (message, line)

    def test_odd_length_utf16_is_undecodable(self):
        with pytest.raises(ParseError) as excinfo:
            parse_issue(codecs.BOM_UTF16_LE + "标题一\n\n正文。\n".encode("utf-16-le") + b"\x00")
        assert excinfo.value.message == self.UNDECODABLE

    def test_binary_is_refused(self):
        with pytest.raises(ParseError) as excinfo:
            parse_issue("标题一\n\n► 张三\n\n".encode() + b"\x00\x01\x02\x03PK\x03\x04")
        assert excinfo.value.message == "这不是文本文件：含有二进制内容。"

    def test_utf8_body_with_a_stray_latin1_byte_is_not_read_as_gb18030(self):
        data = "标题一\n\n► 张三\n\n园区发展很好。\n".encode() + b"caf\xe9 au lait\n"
        with pytest.raises(ParseError) as excinfo:
            parse_issue(data)
        assert excinfo.value.message.startswith("无法识别文件编码")


# --- commands -------------------------------------------------------------------------


def run(command: str, *args) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *map(str, args), stdout=out, stderr=err)
    except CommandError as e:
        return out.getvalue(), err.getvalue(), e
    return out.getvalue(), err.getvalue(), None


def zones_of(article: Article) -> dict:
    return dict(article.zone_mentions.values_list("zone__name", "mentions"))


def signature(article: Article) -> tuple:
    return (
        article.position, article.kicker, article.headline, article.subheadline, article.dateline,
        article.body, sorted(article.bylines.values_list("reporter__name", "role")),
        zones_of(article), article.unknown_zones,
    )


@pytest.mark.django_db
class TestImportCommandVariants:
    def test_realistic_issue_in_gb18030_crlf(self, tmp_path):
        path = tmp_path / "001_gb.txt"
        path.write_bytes(encoded(ISSUE, "gb18030", "\r\n"))
        out, err, error = run("import_issue", path, "--number", 3, "--date", "2025-01-20")
        assert error is None, err
        assert "001_gb.txt 已导入为 第3期（新建）：新建 3 篇" in out
        issue = Issue.objects.get(number=3)
        articles = list(issue.articles.order_by("position"))
        assert [a.headline for a in articles] == [e["headline"] for e in EXPECTED_ARTICLES]
        assert [zones_of(a) for a in articles] == EXPECTED_ZONES
        assert [a.unknown_zones for a in articles] == [{}, {"宿迁高新区": 1}, {}]
        assert [list(a.bylines.order_by("position").values_list("reporter__name", "role")) for a in articles] == [
            e["credits"] for e in EXPECTED_ARTICLES
        ]
        assert issue.source_text.startswith("\u3000\u3000聚焦创新驱动")  # the raw text is kept

    def test_export_json_lists_unknown_zone_and_roles(self, tmp_path):
        (tmp_path / "a.txt").write_text(ISSUE, encoding="utf-16")
        run("import_issue", tmp_path / "a.txt")
        out, _, error = run("export_issue", 1)
        assert error is None
        data = json.loads(out)
        assert data["unknown_zone_mentions"] == [{"name": "宿迁高新区", "mentions": 1, "articles": [2]}]
        second = data["articles"][1]
        assert (second["dateline"], second["reporters"]) == (
            "本报讯", [{"name": "孙丽", "role": "记者"}, {"name": "周平", "role": "通讯员"}]
        )
        assert second["zones"] == [
            {"name": "中关村", "slug": second["zones"][0]["slug"], "mentions": 5},
            {"name": "威海火炬高新区", "slug": second["zones"][1]["slug"], "mentions": 1},
        ]

    def test_text_round_trip_gives_the_same_articles(self, tmp_path):
        (tmp_path / "a.txt").write_bytes(encoded(ISSUE, "utf-8-sig", "\r\n"))
        run("import_issue", tmp_path / "a.txt", "--number", 1)
        exported, _, error = run("export_issue", 1, "--format", "text")
        assert error is None
        (tmp_path / "b.txt").write_text(exported)
        out, err, error = run("import_issue", tmp_path / "b.txt", "--number", 2)
        assert error is None, err
        first = [signature(a) for a in Article.objects.filter(issue__number=1).order_by("position")]
        second = [signature(a) for a in Article.objects.filter(issue__number=2).order_by("position")]
        assert len(first) == 3 and first == second

    def test_reimporting_the_same_bytes_changes_nothing(self, tmp_path):
        (tmp_path / "a.txt").write_bytes(encoded(ISSUE, "gb18030"))
        run("import_issue", tmp_path / "a.txt")
        before = [(a.pk, a.version, a.body) for a in Article.objects.order_by("pk")]
        out, _, error = run("import_issue", tmp_path / "a.txt")
        assert error is None and "未变 3 篇" in out
        assert [(a.pk, a.version, a.body) for a in Article.objects.order_by("pk")] == before

    def test_hostile_markup_stays_text(self, tmp_path):
        text = (
            '<script>alert("x")</script>{{ settings.SECRET_KEY }}高新区动态\n\n► 记者 张三\n\n'
            "本报讯 <b>加粗</b>{% csrf_token %}与<img src=x onerror=alert(1)>,以及 a < b > c 比较。\n"
        )
        (tmp_path / "h.txt").write_text(text)
        _, err, error = run("import_issue", tmp_path / "h.txt")
        assert error is None, err
        article = Article.objects.get()
        assert article.headline == '<script>alert("x")</script>{{ settings.SECRET_KEY }}高新区动态'
        assert "<script" not in article.body and "<img" not in article.body and "<b>" not in article.body
        data = json.loads(run("export_issue", 1)[0])
        assert data["articles"][0]["blocks"] == [
            {"type": "paragraph", "text": "<b>加粗</b>{% csrf_token %}与<img src=x onerror=alert(1)>，以及 a < b > c 比较。"}
        ]

    def test_directory_with_bad_files_imports_the_good_one_and_names_the_others(self, tmp_path):
        (tmp_path / "01_empty.txt").write_bytes(b"")
        (tmp_path / "02_blank.txt").write_text("\u3000\n\n \n")
        (tmp_path / "03_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        (tmp_path / "04_undecodable.txt").write_bytes("标题\n\n► 张三\n\n".encode() + b"\xff\xfe\xfd\n")
        (tmp_path / "05_no_body.txt").write_text("标题一\n\n► 张三\n")
        (tmp_path / "06_good.txt").write_bytes(encoded(ISSUE, "utf-16-le", "\r\n"))
        out, err, error = run("import_issue", tmp_path)
        assert isinstance(error, CommandError) and "5 个文件导入失败" in str(error)
        assert "01_empty.txt：文件是空的。" in err
        assert "02_blank.txt：文件只有空白，没有内容。" in err
        assert "03_binary.txt 第 3 行：这不是文本文件：含有二进制内容。" in err
        assert "04_undecodable.txt 第 5 行：无法识别文件编码" in err
        assert "05_no_body.txt 第 1 行：标题“标题一”后面没有正文。" in err
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["06_good.txt"]
        assert Article.objects.count() == 3
