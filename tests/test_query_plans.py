"""Query plans: no public page reads a table that grows with the archive from end to end.

Every query a public page makes is captured and EXPLAINed, on the database the suite runs
on, over a synthetic archive of a few hundred articles (bench/synth.py). Each page is
requested twice: the first request after a change counts what it shows and caches the
counts (newsroom.site.counts), the second is every later reader's.

- SQLite: the plan's `SCAN <table>` lines are full scans (an index lookup is `SEARCH`).
  Django does not run ANALYZE, so SQLite plans from its built-in estimates, which do not
  depend on the number of rows: the plan here is the plan at 100,000 articles. The
  visibility index (status, publish_at) holds every published article, so walking it is a
  full scan too, unless the query stops at a LIMIT in the index's order: that is allowed
  only on the second request (a cached count may walk it once per change).
- PostgreSQL: a few hundred rows fit in a handful of pages, where a sequential scan is
  the cheapest plan whatever the indexes, so the planner's choice at this size says
  nothing about a large archive. Instead, the check runs with `enable_seqscan = off`,
  which makes a sequential scan cost more than any alternative but still chooses one
  when nothing else can answer: a `Seq Scan` left on a growing table, or an index scan
  with no index condition (a whole index read in its order), means no index serves that
  access. (What the planner prefers at 100,000 rows is measured by
  bench/archive.py, not pinned here.)

Not here: the article page and its related articles (pinned by the article page's own
tests), and a search for a single Han character, which the bigram index cannot answer: it
reads search_text newest first until RESULT_LIMIT articles match (docs/benchmarks.md).
"""
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.synth import synthesize

# The tables that grow with the archive. Zones, reporters and topics are a few hundred rows,
# and issues one for every 50 articles (2,000 at 100,000): a join may read them whole.
GROWING = {"articles_article", "articles_byline", "articles_zonemention", "taggit_taggeditem"}
ALIAS_RE = re.compile(r'"(\w+)" (U\d+|T\d+|V\d+)\b')
SQLITE_SCAN_RE = re.compile(r"^SCAN (\w+)(?! VIRTUAL TABLE)")
SQLITE_WALK_RE = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(status=\? AND publish_at<\?\)$")
LIMIT_RE = re.compile(r" LIMIT \d+( OFFSET \d+)?$")

pytestmark = pytest.mark.django_db


def full_scans(sql: str, *, bounded_walks_only: bool = False) -> list[str]:
    """The growing tables that the plan of `sql` reads from end to end."""
    aliases = {alias: table for table, alias in ALIAS_RE.findall(sql)}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = [row[3] for row in cursor.fetchall()]
            names = [m.group(1) for line in plan if (m := SQLITE_SCAN_RE.match(line))]
            if bounded_walks_only and not _stops_at_limit(sql, plan):
                names += [m.group(1) for line in plan if (m := SQLITE_WALK_RE.match(line))]
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            cursor.execute("RESET enable_seqscan")  # the pages requested next plan as for readers
            nodes = _nodes(json.loads(plan) if isinstance(plan, str) else plan)
            names = [node["Relation Name"] for node in nodes if _reads_everything(node)]
    return sorted({aliases.get(name, name) for name in names} & GROWING)


def _stops_at_limit(sql: str, plan: list[str]) -> bool:
    # Read in the index's order up to a LIMIT, without sorting first and without a subquery
    # (which would run to its end).
    return bool(LIMIT_RE.search(sql)) and "SELECT" not in sql[7:] and not any(
        line.startswith("USE TEMP B-TREE FOR ORDER BY") for line in plan
    )


def _reads_everything(node) -> bool:
    # With sequential scans off, the planner walks a whole index instead where it can: an
    # index scan without an index condition (only a filter) is a full scan too.
    if node.get("Node Type") == "Seq Scan":
        return True
    return node.get("Node Type") in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node


def _nodes(plan):
    for item in plan if isinstance(plan, list) else [plan]:
        node = item.get("Plan", item)
        yield node
        yield from _nodes(node.get("Plans", []))


def forget_statistics() -> None:
    """Plan as on a database never analysed, whatever the tests before this one left.

    The check asks whether an index path exists (with sequential scans off), not which path
    the planner prefers for these few hundred rows. Statistics that autovacuum gathered
    after an earlier test (in CI, a 1,500-article import that was all published) made it
    prefer walking a whole index for a count; without statistics it takes the index
    condition whenever one exists, as on the fresh database the check was written on.
    The suite's role is a superuser, as CI and the README's PostgreSQL setup make it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM pg_statistic WHERE starelid IN "
            "(SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
        )
        cursor.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')"
        )


@pytest.fixture
def archive(settings, django_capture_on_commit_callbacks):
    settings.ALLOWED_HOSTS = ["testserver"]
    # Committed, as it were: the content version moves on, and once its callbacks have run
    # nothing is left pending (the test's transaction keeps them listed), so the pages cache
    # their counts as they do for readers.
    with django_capture_on_commit_callbacks(execute=True):
        synthesize(articles=300, seed=5)
    connection.run_on_commit.clear()
    if connection.vendor == "postgresql":
        forget_statistics()
    from articles.models import Article

    article = Article.objects.published().filter(tags__isnull=False, zones__isnull=False).order_by("-pk").first()
    return {"issue": article.issue, "zone": article.zones.first(), "tag": article.tags.first(),
            "reporter": article.reporters.first()}


def public_urls(archive) -> list[str]:
    zone, tag, reporter, issue = archive["zone"], archive["tag"], archive["reporter"], archive["issue"]
    return [
        "/", "/?page=2", "/issues/", issue.get_absolute_url(), "/zones/", "/zones/?page=2",
        zone.get_absolute_url(), f"{zone.get_absolute_url()}feed/",
        f"/tags/{tag.slug}/", f"/tags/{tag.slug}/feed/", reporter.get_absolute_url(), "/feed/",
        "/sitemap.xml", "/sitemap-sections.xml", "/sitemap-articles.xml", "/sitemap-issues.xml",
        "/sitemap-zones.xml", "/sitemap-reporters.xml", "/sitemap-tags.xml",
        "/search/?q=高新区", "/search/?q=坐诊", f"/search/?q=高新区&zone={zone.slug}", f"/search/?q=坐诊&tag={tag.slug}",
        f"/search/?q=高新区&reporter={reporter.slug}",
        f"/search/?q=高新区&zone={zone.slug}&tag={tag.slug}&reporter={reporter.slug}&issue={issue.number}"
        "&date_from=2000-01-01&date_to=2100-01-01",
    ]


def sql_of(queryset) -> str:
    """The SQL the database runs for `queryset`, with its values in place."""
    with CaptureQueriesContext(connection) as captured:
        list(queryset)
    return captured.captured_queries[0]["sql"]


def scans_of(client, url, *, bounded_walks_only: bool) -> list:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    found = [(full_scans(q["sql"], bounded_walks_only=bounded_walks_only), q["sql"][:300])
             for q in captured.captured_queries]
    return [(tables, sql) for tables, sql in found if tables]


class TestQueryPlans:
    def test_no_public_page_scans_a_growing_table(self, client, archive):
        first = {url: scans_of(client, url, bounded_walks_only=False) for url in public_urls(archive)}
        later = {url: scans_of(client, url, bounded_walks_only=True) for url in public_urls(archive)}
        assert ({url: s for url, s in first.items() if s}, {url: s for url, s in later.items() if s}) == ({}, {})

    def test_the_check_finds_a_full_scan(self, archive):
        """A query no index serves (a column without one) is reported, on either database."""
        from articles.models import Article

        assert full_scans(sql_of(Article.objects.filter(headline="x"))) == ["articles_article"]

    def test_the_check_finds_a_walk_of_every_published_article(self, archive):
        """On SQLite, listing every published article walks the visibility index: allowed once
        per change (a count), not per reader. PostgreSQL's index condition is the same either way."""
        from articles.models import Article

        sql = sql_of(Article.objects.published().values("pk"))
        walk = ["articles_article"] if connection.vendor == "sqlite" else []
        assert (full_scans(sql), full_scans(sql, bounded_walks_only=True)) == ([], walk)
