"""The bulk import stores exactly what saving each article one at a time stores."""
from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from articles.models import Article, Byline, ZoneMention
from articles.revisions.history import add_article_to_revision
from articles.search.engine import search
from articles.search.tokenize import parse_query
from articles.zone_detection import article_zones_redetect
from newsroom import freshness
from newsroom.importing import loader
from newsroom.importing.inserts import insert_new
from newsroom.importing.loader import import_issue
from newsroom.models import Reporter
from newsroom.text.slugs import unique_slug
from zones.models import Zone

# Bylines out of name order, zones of several provinces, an unknown zone, a kicker, a
# subheadline, a dateline, a heading and markup the sanitizer changes.
ISSUE = (
    "园区动态\n韩霄鹏访成都高新区\n副题在这里\n\n► 记者 韩霄鹏 王芳 通讯员 刘琴\n\n"
    "本报讯 成都高新区、济南高新区和宿迁高新区签约，武汉东湖高新区也来了。\n\n"
    "小标题\n\n成都高新区新增企业<b>一千</b>家。\n\n"
    "第二篇\n\n本报讯 济南高新区第二篇，苏州工业园区也提到。 汪芳\n"
)
COMPARED = ("issue", "id", "created_at", "updated_at", "publish_at")


def one_at_a_time(plans, *, issue, prepared, reporters):
    """The write path before the bulk import: a save per article, per byline, per zone.
    Returns what create_articles returns: each article's id with its new rows."""
    rows = {}
    for plan in plans:
        article = Article(issue=issue, position=plan.position, status=Article.Status.DRAFT, publish_at=None)
        for name in (*loader.IMPORTED_FIELDS, "body"):
            setattr(article, name, getattr(plan.record.draft, name))
        article.import_ref, article.import_fingerprint = plan.parsed.headline, plan.fingerprint
        article.save()
        loader.write_bylines(article, plan.parsed, reporters=reporters)
        article_zones_redetect(article=article, index=prepared.index, scan=plan.record.scan)
        article.refresh_related()
        rows[article.pk] = [*article.bylines.select_related("reporter"), *article.zone_mentions.select_related("zone")]
    return rows


def stored(number: int) -> list[dict]:
    """Every stored field of an issue's articles and their rows, without ids and times."""
    rows = []
    for article in Article.objects.filter(issue__number=number).order_by("position"):
        fields = {k: v for k, v in model_to_dict(article).items() if k not in COMPARED}
        fields["search_text"], fields["version"] = article.search_text, article.version
        fields["summary"], fields["card"], fields["plain_text"] = article.summary, article.card, article.plain_text
        # The card's link carries the article's own id, which differs between the two imports.
        fields["card_html"] = {k: v.replace(f"/articles/{article.pk}/", "/articles/<id>/") for k, v in article.card_html.items()}
        fields["bylines"] = list(article.bylines.order_by("position").values_list("reporter__name", "role", "position"))
        fields["zones"] = sorted(article.zone_mentions.values_list("zone__name", "mentions", "manual"))
        versions = Version.objects.get_for_object(article)
        fields["revisions"] = [(v.revision.comment, len(v.revision.version_set.all()), v.field_dict["status"]) for v in versions]
        rows.append(fields)
    return rows


@pytest.mark.django_db
class TestBulkImportStoresWhatSavesStore:
    @pytest.mark.parametrize("publish", [False, True])
    def test_every_stored_field_matches_the_one_at_a_time_path(self, monkeypatch, publish):
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=1, publish=publish)
        monkeypatch.setattr(loader, "create_articles", one_at_a_time)
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=2, publish=publish, allow_duplicate=True)
        bulk, saves = stored(1), stored(2)
        assert [a["headline"] for a in bulk] == ["韩霄鹏访成都高新区", "第二篇"]
        assert bulk[0]["zones"] == [("成都高新区", 3, False), ("武汉东湖高新区", 1, False), ("济南高新区", 1, False)]
        assert bulk[0]["unknown_zones"] == {"宿迁高新区": 1}
        assert bulk == saves

    def test_the_seed_matches_the_one_at_a_time_path(self, monkeypatch, seed_bytes):
        import_issue(data=seed_bytes, source_name="issue.txt", number=1, publish=True)
        monkeypatch.setattr(loader, "create_articles", one_at_a_time)
        import_issue(data=seed_bytes, source_name="issue.txt", number=2, publish=True, allow_duplicate=True)
        assert stored(1) == stored(2)

    def test_publish_dates_match_too(self, monkeypatch):
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=1, publish=True)
        monkeypatch.setattr(loader, "create_articles", one_at_a_time)
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=2, publish=True, allow_duplicate=True)
        dates = Article.objects.order_by("issue__number", "position").values_list("publish_at", flat=True)
        assert len(set(dates)) == 1 and None not in dates


def version_rows(revision) -> set[tuple]:
    return {
        (v.content_type_id, v.object_id, v.db, v.format, v.serialized_data, v.object_repr)
        for v in revision.version_set.all()
    }


@pytest.mark.django_db
class TestImportRevision:
    def test_the_revision_holds_byte_for_byte_what_django_reversion_stores(self):
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=1, publish=True)
        first = Article.objects.get(issue__number=1, position=1)
        first.tags.add("科技创新")
        first.excluded_zones.add(Zone.objects.get(name="济南高新区"))
        import_issue(data=ISSUE.replace("签约", "签约合作").encode(), source_name="issue.txt", number=1)
        imported = Version.objects.get_for_object(first).first().revision
        with reversion.create_revision(manage_manually=True):
            for article in Article.objects.filter(pk__in=[first.pk]):
                add_article_to_revision(article)
        by_reversion = Version.objects.get_for_object(first).first().revision
        assert by_reversion.pk != imported.pk and imported.comment == "从 issue.txt 导入"
        models = sorted(v.content_type.model for v in imported.version_set.all())
        assert models == ["article", "byline", "byline", "byline", "tag", "taggeditem", "zonemention", "zonemention"]
        assert version_rows(imported) == version_rows(by_reversion)

    def test_new_articles_rows_taken_from_memory_are_byte_for_byte_what_django_reversion_stores(self):
        """A new article's bylines and zones go into the revision as inserted, not read back."""
        import_issue(data=ISSUE.encode(), source_name="issue.txt", number=1, publish=True)
        articles = list(Article.objects.filter(issue__number=1).order_by("position"))
        imported = Version.objects.get_for_object(articles[0]).first().revision
        with reversion.create_revision(manage_manually=True):
            for article in articles:
                add_article_to_revision(article)
        by_reversion = Version.objects.get_for_object(articles[0]).first().revision
        assert by_reversion.pk != imported.pk and imported.comment == "从 issue.txt 导入"
        models = sorted(v.content_type.model for v in imported.version_set.all())
        assert models == ["article", "article", "byline", "byline", "byline", "byline", *["zonemention"] * 5]
        assert version_rows(imported) == version_rows(by_reversion)


class TestBylineText:
    @pytest.mark.parametrize("role", [*Byline.Role.values, "未知"])
    def test_is_the_role_display_and_the_reporter(self, role):
        """The text a revision stores for a byline, as get_role_display() gives the role."""
        byline = Byline(reporter=Reporter(name="刘琴"), role=role)
        assert str(byline) == f"{byline.get_role_display()} 刘琴"
        assert str(Byline(reporter=Reporter(name="刘琴"), role="通讯员")) == "通讯员 刘琴"


@pytest.mark.django_db
class TestBulkReporters:
    def test_new_reporters_get_the_slugs_saves_would_give_them(self):
        Reporter.objects.create(name="王方")  # wang-fang, taken before the import
        import_issue(data="标题\n\n► 王芳 汪芳 刘琴\n\n正文。\n".encode(), source_name="a.txt")
        slugs = dict(Reporter.objects.values_list("name", "slug"))
        assert slugs == {"王方": "wang-fang", "王芳": "wang-fang-2", "汪芳": "wang-fang-3", "刘琴": "liu-qin"}

    def test_a_file_with_over_a_thousand_new_reporters(self):
        surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "明华建国立新志强伟芳秀英敏静丽军平刚桂兰"
        names = [s + a + b for s in surnames for a in given for b in given[:3]][:1100]
        credits = " ".join(names)
        import_issue(data=f"标题\n\n► {credits}\n\n正文。\n".encode(), source_name="a.txt")
        assert Reporter.objects.count() == 1100
        assert Reporter.objects.values("slug").distinct().count() == 1100
        assert Byline.objects.count() == 1100

    def test_a_reporter_made_afterwards_by_hand_gets_the_next_free_slug(self):
        import_issue(data="标题\n\n► 王芳 汪芳\n\n正文。\n".encode(), source_name="a.txt")
        assert unique_slug(model=Reporter, text="王方") == "wang-fang-3"


@pytest.mark.django_db
class TestBulkImportIsVisibleAtOnce:
    def test_search_finds_the_imported_articles(self):
        import_issue(data=ISSUE.encode(), source_name="a.txt", number=1, publish=True)
        ids = search(Article.objects.published(), parse_query("苏州工业园区")).ids
        assert list(Article.objects.filter(pk__in=ids).values_list("headline", flat=True)) == ["第二篇"]

    def test_the_content_version_moves_on_once(self, django_capture_on_commit_callbacks):
        before = freshness.current().number
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            import_issue(data=ISSUE.encode(), source_name="a.txt", number=1, publish=True)
        assert len(callbacks) == 1
        assert freshness.current().number == before + 1

    def test_a_refused_file_moves_nothing_on(self, django_capture_on_commit_callbacks):
        before = freshness.current().number
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(loader.ImportFailed):
            import_issue(data="标题\n\n► 刘琴\n\n正文。\n\n标题二\n\n► 韩霄鹏\n".encode(), source_name="bad.txt")
        assert freshness.current().number == before


@pytest.mark.django_db
class TestImportQueriesDoNotGrowWithTheFile:
    """The statements a new file costs are the same for 5 articles and for 25."""

    @staticmethod
    def queries_for(n: int, first: int) -> int:
        text = "".join(
            f"第{first + k}篇：成都高新区新举措\n\n► 记者 刘琴 王芳{first + k}\n\n本报讯 济南高新区新增企业{k}家。\n\n"
            for k in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            import_issue(data=text.encode(), source_name=f"{first}.txt", publish=True)
        return len(queries)

    def test_query_count_is_flat(self):
        self.queries_for(5, first=1000)  # warm-up: content types, the zones' scanner
        # 25 articles, not more: beyond that SQLite's cap on parameters splits an INSERT of
        # their revision's 125 versions in two, one statement more that is no per-article cost.
        # + the advisory lock on PostgreSQL. The new articles' cards go in with their INSERT;
        # the publication rules learn which articles have bylines in the articles' own query;
        # the cards' HTML, which links to the new ids, goes in by one UPDATE after the INSERT.
        # The publication asks for the print edition: its row (SELECT, then an INSERT in a
        # savepoint) and the task that makes it.
        statements = {"sqlite": 38, "postgresql": 39}[connection.vendor]
        assert self.queries_for(25, first=100) == self.queries_for(5, first=0) == statements

    def test_the_command_imports_a_folder_of_files(self, tmp_path):
        for k in range(3):
            (tmp_path / f"{k}.txt").write_text(f"第{k}篇\n\n► 刘琴\n\n成都高新区正文{k}。\n", encoding="utf-8")
        call_command("import_issue", str(tmp_path), "--publish", stdout=StringIO(), stderr=StringIO())
        assert Article.objects.published().count() == 3
        assert Byline.objects.count() == 3 and ZoneMention.objects.count() == 3


@pytest.mark.django_db
class TestInsertNew:
    def test_each_row_gets_its_own_id_across_batches(self):
        """More rows than SQLite takes in one INSERT: every instance gets the id of its own row."""
        reporters = [Reporter(name=f"记者{k:03d}", slug=f"ji-zhe-{k:03d}") for k in range(400)]
        batch = connection.ops.bulk_batch_size([f for f in Reporter._meta.concrete_fields if not f.primary_key], reporters)
        with CaptureQueriesContext(connection) as queries:
            insert_new(reporters)
        assert len(queries) == -(-400 // batch) == {"sqlite": 3, "postgresql": 1}[connection.vendor]
        stored = dict(Reporter.objects.values_list("pk", "name"))
        assert [stored[r.pk] for r in reporters] == [f"记者{k:03d}" for k in range(400)]
        assert {r._state.adding for r in reporters} == {False}

    def test_a_saved_row_is_refused(self):
        reporter = Reporter.objects.create(name="刘琴")
        with pytest.raises(ValueError, match="new rows of one model"):
            insert_new([Reporter(name="柳琴", slug="liu-qin-2"), reporter])
        assert list(Reporter.objects.values_list("name", flat=True)) == ["刘琴"]

