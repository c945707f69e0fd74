"""Turns parsed issue records into database rows: validate and plan everything, then write once.

Re-imports are safe: an article whose text an editor changed since the last import is
never overwritten (unless forced); it is reported as a conflict instead. Whether an editor
changed it is derived, not stored: the article's current content is fingerprinted the same
way the imported text was, and compared with the fingerprint saved at import time.
"""
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import workflow
from articles.body import blocks_to_html, html_to_blocks
from articles.models import Article, Byline
from articles.revisions import add_article_to_revision, revision_context
from articles.zoning import article_zones_redetect, detection_text
from newsroom.importing.parser import (
    ParsedArticle,
    ParsedIssue,
    ParseError,
    parse_issue,
    text_digest,
)
from newsroom.models import Issue, Reporter
from zones.mentions import ZoneIndex, ZoneScan

CREATE, UPDATE, UNCHANGED, CONFLICT, FORCED = "create", "update", "unchanged", "conflict", "forced"
ACTION_LABELS = {
    CREATE: gettext_lazy("新建"),
    UPDATE: gettext_lazy("更新"),
    UNCHANGED: gettext_lazy("未变"),
    CONFLICT: gettext_lazy("冲突"),
    FORCED: gettext_lazy("强制覆盖"),
}


class ImportFailed(Exception):
    """A file that cannot be imported; nothing of it was written."""

    def __init__(self, source_name: str, message: str, line: int | None = None):
        self.source_name, self.message, self.line = source_name, message, line
        where = _("%(source)s 第 %(line)s 行") % {"source": source_name, "line": line} if line else source_name
        super().__init__(f"{where}：{message}")


@dataclass
class ArticlePlan:
    position: int
    parsed: ParsedArticle
    fingerprint: str
    action: str
    article: Article | None = None
    draft: Article | None = None  # the unsaved article the record becomes
    zones: Counter = field(default_factory=Counter)
    unknown_zones: Counter = field(default_factory=Counter)

    @property
    def writes(self) -> bool:
        return self.action in {CREATE, UPDATE, FORCED}


@dataclass
class ImportResult:
    source_name: str
    issue: Issue
    issue_created: bool
    plans: list[ArticlePlan]
    warnings: list[str]
    dry_run: bool
    stale: list[Article] = field(default_factory=list)
    encoding: str = ""

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)

    @property
    def conflicts(self) -> list[ArticlePlan]:
        return [p for p in self.plans if p.action == CONFLICT]

    @property
    def changed(self) -> bool:
        return self.issue_created or any(p.writes for p in self.plans)


# --- fingerprints ---------------------------------------------------------------------


# The fields an import writes and a re-import compares; credits come from the bylines.
CONTENT_FIELDS = ("kicker", "headline", "subheadline", "dateline")


def content_fingerprint(article: Article, credits: list[tuple[str, str]]) -> str:
    """A hash of what an article says: the same for a parsed record and the row made from it."""
    payload = json.dumps(
        [*(getattr(article, f) for f in CONTENT_FIELDS), html_to_blocks(article.body), [list(c) for c in credits]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def parsed_fingerprint(parsed: ParsedArticle, *, draft: Article | None = None) -> str:
    draft = draft or unsaved_article(parsed)
    return content_fingerprint(draft, [(c.name, c.role) for c in parsed.credits])


def article_fingerprint(article: Article) -> str:
    bylines = article.bylines.select_related("reporter").order_by("position", "id")
    return content_fingerprint(article, [(b.reporter.name, b.role) for b in bylines])


def edited_since_import(article: Article) -> bool:
    return bool(article.import_fingerprint) and article_fingerprint(article) != article.import_fingerprint


# --- planning -------------------------------------------------------------------------


# Imports are serialized: two at once would both see the same free number, or both
# create the same issue. The key is arbitrary but fixed, and ours alone.
IMPORT_LOCK_KEY = 0x6E6577735F696D70  # "news_imp"
# A write that loses a race with another writer (a number taken by an issue made in the
# admin, an article saved by an editor meanwhile) is planned again from what is now stored.
WRITE_ATTEMPTS = 3


def import_issue(
    *,
    data: bytes,
    source_name: str,
    number: int | None = None,
    date: dt.date | None = None,
    title: str | None = None,
    publish: bool = False,
    force: bool = False,
    allow_duplicate: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Parse and validate one issue file, then plan and write it in one transaction.

    The pure work (decoding, parsing, zone detection) happens before the transaction, so
    the write lock is held only for reading what is stored and writing the changes.
    """
    parsed = _parse(data, source_name)
    source = ImportSource(
        name=source_name, sha=hashlib.sha256(data).hexdigest(), digest=text_digest(parsed.text), parsed=parsed
    )
    options = {"number": number, "force": force, "allow_duplicate": allow_duplicate}
    if dry_run:
        return plan_import(source, dry_run=True, **options)
    comment = _("从 %(source)s 导入") % {"source": source_name}
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with transaction.atomic(), revision_context(comment=comment):
                serialize_imports()
                result = plan_import(source, dry_run=False, **options)
                write_issue(result, source=source, date=date, title=title, publish=publish)
            return result
        except (IntegrityError, Article.StaleVersion):
            if attempt == WRITE_ATTEMPTS:
                raise ImportFailed(
                    source_name, _("其他人同时在修改同一期或同一期号，重试 %(n)s 次仍未成功；请稍后再导入。") % {"n": attempt}
                ) from None
    raise AssertionError("unreachable")


@dataclass
class ImportSource:
    """One file, parsed and scanned: everything an import knows before it reads the database."""

    name: str
    sha: str  # of the bytes: the same file
    digest: str  # of the text: the same issue, in any encoding
    parsed: ParsedIssue
    drafts: list[Article] = field(init=False)
    fingerprints: list[str] = field(init=False)
    scans: list[ZoneScan] = field(init=False)

    def __post_init__(self):
        self.drafts = [unsaved_article(a) for a in self.parsed.articles]
        self.fingerprints = [parsed_fingerprint(a, draft=d) for a, d in zip(self.parsed.articles, self.drafts, strict=True)]
        index = ZoneIndex.from_db()
        self.scans = [index.scan(detection_text(d)) for d in self.drafts]


def _parse(data: bytes, source_name: str) -> ParsedIssue:
    try:
        return parse_issue(data, max_bytes=settings.IMPORT_MAX_BYTES)
    except ParseError as e:
        raise ImportFailed(source_name, _(e.template).format(**e.params), e.line) from None


def serialize_imports() -> None:
    """Make other imports wait until this transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: nothing to do, the
    transaction began IMMEDIATE and so already holds the database's write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def plan_import(source: ImportSource, *, number, force, allow_duplicate, dry_run) -> ImportResult:
    """What the file would do to the database as it is now."""
    issue, created = target_issue(source=source, number=number, force=force, allow_duplicate=allow_duplicate)
    plans = plan_articles(issue=None if created else issue, source=source, force=force)
    parsed = source.parsed
    return ImportResult(
        source_name=source.name,
        issue=issue,
        issue_created=created,
        plans=plans,
        warnings=[f"{_('第 %(line)s 行') % {'line': line}}：{_(t).format(**p)}" for line, t, p in parsed.warnings],
        dry_run=dry_run,
        stale=[] if created else stale_articles(issue, plans),
        encoding=parsed.encoding,
    )


def target_issue(*, source: ImportSource, number: int | None, force: bool, allow_duplicate: bool) -> tuple[Issue, bool]:
    """The issue this file updates (by number, same bytes or text, or same file name), or a new one."""
    if number is not None:
        issue = Issue.objects.filter(number=number).first()
        if issue and issue.source_name not in {"", source.name} and issue.source_sha256 != source.sha and not force:
            raise ImportFailed(
                source.name,
                _("第 %(number)s 期已由 %(other)s 导入；要用这个文件替换它，请加 --force。")
                % {"number": number, "other": issue.source_name},
            )
    else:
        issue = (
            Issue.objects.filter(source_sha256=source.sha).first()
            or Issue.objects.filter(text_sha256=source.digest).first()
            or Issue.objects.filter(source_name=source.name).order_by("-number").first()
        )
    if not allow_duplicate:
        refuse_duplicate(source, issue)
    if issue:
        return issue, False
    if number is None:
        number = (Issue.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    return Issue(number=number, source_name=source.name), True


def refuse_duplicate(source: ImportSource, issue: Issue | None) -> None:
    """The same text as another issue is a second copy of it: refused unless asked for."""
    twin = Issue.objects.filter(text_sha256=source.digest).exclude(pk=issue.pk if issue else None).first()
    if twin is not None:
        raise ImportFailed(
            source.name,
            _("内容与已有的第 %(number)s 期（%(other)s）相同；确实要再建一期，请加 --allow-duplicate。")
            % {"number": twin.number, "other": twin.source_name or _("无源文件")},
        )


def plan_articles(*, issue: Issue | None, source: ImportSource, force: bool) -> list[ArticlePlan]:
    existing = list(issue.articles.exclude(import_ref="").order_by("position")) if issue else []
    by_ref = {a.import_ref: a for a in existing}
    plans = []
    for k, record in enumerate(source.parsed.articles):
        article = by_ref.pop(record.headline, None)
        scan = source.scans[k]
        plans.append(ArticlePlan(
            position=k + 1, parsed=record, fingerprint=source.fingerprints[k], action=CREATE, article=article,
            draft=source.drafts[k], zones=scan.counts, unknown_zones=scan.unknown,
        ))
    # Articles whose headline changed in the file are matched by position instead.
    leftovers = {a.position: a for a in by_ref.values()}
    for plan in plans:
        if plan.article is None and plan.position in leftovers:
            plan.article = leftovers.pop(plan.position)
        if plan.article is not None:
            plan.action = article_action(plan.article, plan.fingerprint, force=force)
    return plans


def article_action(article: Article, fingerprint: str, *, force: bool) -> str:
    if fingerprint == article.import_fingerprint:
        return UNCHANGED  # the file says what it said last time; editors' changes stay
    if not edited_since_import(article):
        return UPDATE
    return FORCED if force else CONFLICT


def stale_articles(issue: Issue, plans: list[ArticlePlan]) -> list[Article]:
    """Imported articles that the new file no longer has. They are kept, and reported."""
    matched = {p.article.pk for p in plans if p.article is not None}
    return list(issue.articles.exclude(import_ref="").exclude(pk__in=matched))


def unsaved_article(parsed: ParsedArticle) -> Article:
    """The article a record would become, for the checks that read articles."""
    return Article(
        kicker=parsed.kicker,
        headline=parsed.headline,
        subheadline=parsed.subheadline,
        dateline=parsed.dateline,
        body=blocks_to_html([b.as_dict() for b in parsed.blocks]),
    )


# --- writing --------------------------------------------------------------------------


def write_issue(result: ImportResult, *, source: ImportSource, date, title, publish: bool) -> None:
    issue = result.issue
    fields = issue_changes(issue, created=result.issue_created, source=source, date=date, title=title)
    publishing_now = publish and issue.status != Issue.Status.PUBLISHED
    if publishing_now:
        fields.update(status=Issue.Status.PUBLISHED, published_at=timezone.now())
    if fields or result.issue_created:
        for name, value in fields.items():
            setattr(issue, name, value)
        issue.full_clean()
        issue.save()
    publish_at = issue_publish_at(issue.date) if publish else None
    for plan in result.plans:
        if plan.writes:
            write_article(plan, issue=issue, publish_at=publish_at)
    if publishing_now:
        publish_issue_articles(issue, publish_at=publish_at)


def issue_changes(issue: Issue, *, created: bool, source: ImportSource, date, title) -> dict:
    fields = {}
    if created:
        fields.update(date=date or timezone.localdate(), title=title or "")
    else:
        if date and date != issue.date:
            fields["date"] = date
        if title is not None and title != issue.title:
            fields["title"] = title
    if source.sha != issue.source_sha256:
        fields.update(
            source_name=source.name, source_sha256=source.sha, text_sha256=source.digest,
            source_text=source.parsed.text, imported_at=timezone.now(),
        )
    return fields


def issue_publish_at(date: dt.date) -> dt.datetime:
    """Articles of an issue appear from the start of its date, Beijing time."""
    return timezone.make_aware(dt.datetime.combine(date, dt.time.min), timezone.get_default_timezone())


def publish_issue_articles(issue: Issue, *, publish_at) -> None:
    # One save per article, not a bulk update, so that versions and revisions see it.
    for article in issue.articles.filter(status__in=[Article.Status.DRAFT, Article.Status.REVIEW]):
        workflow.apply_status(article, Article.Status.PUBLISHED, now=publish_at)
        article.save()
        add_article_to_revision(article)


def write_article(plan: ArticlePlan, *, issue: Issue, publish_at) -> None:
    parsed = plan.parsed
    article = plan.article or Article(issue=issue)
    if plan.article is None:
        article.status = Article.Status.PUBLISHED if publish_at and issue.is_published else Article.Status.DRAFT
        article.publish_at = publish_at if article.status == Article.Status.PUBLISHED else None
    article.position = plan.position
    for name in (*CONTENT_FIELDS, "body"):
        setattr(article, name, getattr(plan.draft, name))
    article.import_ref = parsed.headline
    article.import_fingerprint = plan.fingerprint
    # Saved from the version that was planned: an editor's save since then makes this
    # raise StaleVersion, and the import is planned again rather than overwrite it.
    article.save()
    write_bylines(article, parsed)
    # Re-detection keeps the zones an editor added or removed by hand; the text was
    # scanned before the transaction began.
    article_zones_redetect(article=article, scan=ZoneScan(plan.zones, plan.unknown_zones))
    article.update_search_text()
    add_article_to_revision(article)


def write_bylines(article: Article, parsed: ParsedArticle) -> None:
    article.bylines.all().delete()
    for position, credit in enumerate(parsed.credits, start=1):
        reporter, _created = Reporter.objects.get_or_create(name=credit.name)
        Byline.objects.create(article=article, reporter=reporter, role=credit.role, position=position)

