"""Full-text queries over articles: FTS5 and bm25() on SQLite, tsquery and ts_rank_cd on PostgreSQL.

Queries are built only from tokenizer output. On SQLite each phrase becomes a
double-quoted FTS5 string, so no operator (AND, NEAR, *, -, column filters) can come
from the reader; on PostgreSQL each phrase is a bound parameter of phraseto_tsquery(),
which reads plain text and has no operators at all.

A search takes the newest RESULT_LIMIT matches and ranks those: headline matches
first, then by bm25() or ts_rank_cd(), then the newest. When more than RESULT_LIMIT
articles match, the relevance score is skipped and headline matches come first, each
group newest first: bm25() computes its statistics over every matching row of the
whole table, which for a bigram phrase in 100,000 articles takes far longer than the
page may (docs/benchmarks.md). A broad query in a news archive wants recent articles.
"""
import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from articles.search.index import FTS_TABLE, HEADLINE_VECTOR_COLUMN, VECTOR_COLUMN
from articles.search.tokenize import ParsedQuery

RESULT_LIMIT = 1000
# bm25() column weights: a headline token counts ten times a body token.
HEADLINE_WEIGHT = 10.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class SearchResults:
    ids: tuple[int, ...] = ()  # article ids, best first
    more: bool = False  # more articles matched than `ids` holds


def matching(queryset: QuerySet, query: ParsedQuery) -> QuerySet:
    """The rows of `queryset` that match `query`, unranked and unbounded (the admin)."""
    if not query:
        return queryset.none()
    if query.phrases:
        queryset = _backend(queryset.db).match(queryset, query.phrases)
    return _scan(queryset, query)


def search(queryset: QuerySet, query: ParsedQuery, *, limit: int = RESULT_LIMIT, narrow: bool = False) -> SearchResults:
    """The ids of the matching rows of `queryset`, best first, at most `limit` of them.

    `narrow`: `queryset` is a small part of the archive (a zone's, a topic's, a reporter's or
    an issue's articles), so its rows are walked newest first and each is tested against
    the index, instead of walking the index's matches and testing each against `queryset`.
    """
    if not query:
        return SearchResults()
    if query.phrases:
        ids, more = _backend(queryset.db).search(_scan(queryset, query), query.phrases, limit=limit, narrow=narrow)
        return SearchResults(ids=tuple(ids), more=more)
    # Single characters alone give nothing to rank by: the newest come first.
    candidates = list(_scan(queryset, query).order_by("-pk").values_list("pk", flat=True)[: limit + 1])
    return SearchResults(ids=tuple(candidates[:limit]), more=len(candidates) > limit)


def _scan(queryset: QuerySet, query: ParsedQuery) -> QuerySet:
    # A single Han character is in search_text exactly when it is in the article,
    # since every character of a run appears in one of its bigrams.
    for char in query.scans:
        queryset = queryset.filter(search_text__contains=char)
    return queryset


def _backend(using: str):
    vendor = connections[using].vendor
    if vendor not in BACKENDS:
        raise NotImplementedError(f"full-text search is not available on {vendor}")
    return BACKENDS[vendor]


def fts5_query(phrases, *, column: str | None = None) -> str:
    """An FTS5 MATCH string: every phrase double-quoted, all ANDed, optionally in one column."""
    quoted = ['"' + " ".join(tokens).replace('"', '""') + '"' for tokens in phrases]
    expression = " AND ".join(quoted)
    return f"{column} : ({expression})" if column else expression


class SQLiteBackend:
    match_sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"

    def match(self, queryset, phrases):
        return queryset.filter(pk__in=RawSQL(self.match_sql, [fts5_query(phrases)]))

    def newest(self, queryset, phrases):
        # The FTS5 table has no model, hence extra(). Joined and ordered by its rowid,
        # FTS5 walks its doclists newest first and stops at the LIMIT.
        return queryset.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = articles_article.id", f"{FTS_TABLE} MATCH %s"],
            params=[fts5_query(phrases)],
            order_by=[f"-{FTS_TABLE}.rowid"],
        )

    def newest_within(self, queryset, phrases, *, limit) -> list[int]:
        # CROSS JOIN is SQLite's way to fix the join order: the filtered rows first, newest
        # first, each looked up in the index by its rowid. Left to itself SQLite walked every
        # published article by the visibility index and sorted the matches afterwards.
        inner, params = queryset.order_by().values("pk").query.sql_with_params()
        sql = (
            f"SELECT candidate.pk FROM ({inner}) AS candidate CROSS JOIN {FTS_TABLE}"
            f" WHERE {FTS_TABLE}.rowid = candidate.pk AND {FTS_TABLE} MATCH %s ORDER BY candidate.pk DESC LIMIT %s"
        )
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(sql, [*params, fts5_query(phrases), limit])
            return [row[0] for row in cursor.fetchall()]

    def search(self, queryset, phrases, *, limit, narrow=False):
        if narrow:
            candidates = self.newest_within(queryset, phrases, limit=limit + 1)
        else:
            candidates = list(self.newest(queryset, phrases).values_list("pk", flat=True)[: limit + 1])
        ids, more = candidates[:limit], len(candidates) > limit
        return (self.rank(ids, phrases, score=not more, using=queryset.db) if ids else []), more

    def rank(self, ids, phrases, *, score, using):
        # `rowid >= lowest` lets FTS5 skip the older part of every doclist. The unary
        # + keeps `IN` away from FTS5: as an index constraint it would restart the
        # full-text query, and bm25()'s statistics, once per id.
        lowest = min(ids)
        in_headline = f"({self.match_sql} AND rowid >= %s)"
        headline_params = [fts5_query(phrases, column="headline"), lowest]
        if not score:
            # Only which ids are headline matches: the ids need not come back from the index,
            # which for a zone's or a reporter's articles meant a second walk of the archive.
            sql = f"SELECT value FROM json_each(%s) ORDER BY value IN {in_headline} DESC, value DESC"
            params = [json.dumps(ids), *headline_params]
        else:
            sql = (
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid >= %s"
                " AND +rowid IN (SELECT value FROM json_each(%s))"
                f" ORDER BY rowid IN {in_headline} DESC, bm25({FTS_TABLE}, %s, %s), rowid DESC"
            )
            params = [fts5_query(phrases), lowest, json.dumps(ids), *headline_params, HEADLINE_WEIGHT, BODY_WEIGHT]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


class PostgreSQLBackend:
    vector = f'"articles_article"."{VECTOR_COLUMN}"'

    def tsquery(self, phrases) -> tuple[str, list[str]]:
        sql = " && ".join(["phraseto_tsquery('simple', %s)"] * len(phrases))
        return f"({sql})", [" ".join(tokens) for tokens in phrases]

    def match(self, queryset, phrases):
        tsquery, params = self.tsquery(phrases)
        return queryset.filter(RawSQL(f"{self.vector} @@ {tsquery}", params, output_field=BooleanField()))

    def newest(self, queryset, phrases):
        return self.match(queryset, phrases).order_by("-pk")

    def search(self, queryset, phrases, *, limit, narrow=False):
        # The scan for the newest matches also says which are headline matches: the
        # small headline vector is stored in the row, so this costs next to nothing,
        # and when more than `limit` match (no relevance score) it is the whole
        # ranking, without a second query over a thousand ids.
        tsquery, params = self.tsquery(phrases)
        in_headline = RawSQL(f'"articles_article"."{HEADLINE_VECTOR_COLUMN}" @@ {tsquery}', params,
                             output_field=BooleanField())
        rows = list(self.newest(queryset, phrases).annotate(_in_headline=in_headline)
                    .values_list("pk", "_in_headline")[: limit + 1])
        if len(rows) <= limit:
            ids = [pk for pk, _ in rows]
            return (self.rank(ids, phrases, score=True, using=queryset.db) if ids else []), False
        # rank(score=False)'s order: headline matches first, each group newest first
        # (the sort is stable and the rows come newest first).
        return [pk for pk, headline in sorted(rows[:limit], key=lambda row: not row[1])], True

    def rank(self, ids, phrases, *, score, using):
        tsquery, params = self.tsquery(phrases)
        relevance = f"ts_rank_cd({VECTOR_COLUMN}, {tsquery}) DESC," if score else ""
        sql = (
            "SELECT id FROM articles_article WHERE id = ANY(%s)"
            f" ORDER BY {HEADLINE_VECTOR_COLUMN} @@ {tsquery} DESC, {relevance} id DESC"
        )
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [list(ids), *params, *(params if score else [])])
            return [row[0] for row in cursor.fetchall()]


BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgreSQLBackend()}
