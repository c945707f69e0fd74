"""Turns parsed issue records into database rows: validate and plan everything, then write once.

Re-imports are safe: an article whose text an editor changed since the last import is
never overwritten (unless forced); it is reported as a conflict instead. Whether an editor
changed it is derived, not stored: the article's current content is fingerprinted the same
way the imported text was, and compared with the fingerprint saved at import time.

Imports may run at the same time (two editors, the command and the admin). Everything
about the file alone (parsing, fingerprints, zone detection) happens first, without any
lock. Choosing the issue and its number, planning against the rows already there and
writing then happen in one transaction that only one import at a time can hold, so two
imports never take the same number or import the same text twice.
"""
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import workflow
from articles.body import blocks_remembered, blocks_to_html, figure_ids, html_to_blocks
from articles.card_html import stored_fragments
from articles.models import Article, Byline, Figure, ZoneMention, article_card
from articles.revisions.history import revision_context, save_articles_revision
from articles.zone_detection import article_zones_redetect, detection_text
from newsroom.freshness import content_changed
from newsroom.importing.figures import (
    FigureImage,
    FigureRefused,
    figure_images,
    figure_refs,
    files_removed_on_failure,
)
from newsroom.importing.inserts import insert_new
from newsroom.importing.parser import (
    ParsedArticle,
    ParsedIssue,
    ParseError,
    normalize_newlines,
    parse_issue,
)
from newsroom.models import Issue, Reporter
from newsroom.publishing import publish_imported
from newsroom.text.slugs import base_slug, free_slug
from zones.mentions import ZoneIndex, ZoneScan
from zones.models import Zone

CREATE, UPDATE, UNCHANGED, CONFLICT, FORCED = "create", "update", "unchanged", "conflict", "forced"
ACTION_LABELS = {
    CREATE: gettext_lazy("新建"),
    UPDATE: gettext_lazy("更新"),
    UNCHANGED: gettext_lazy("未变"),
    CONFLICT: gettext_lazy("冲突"),
    FORCED: gettext_lazy("强制覆盖"),
}
# The key of the PostgreSQL advisory lock that imports take; any constant does.
IMPORT_LOCK_KEY = 0x4E57_5349  # "NWSI"
# An import that loses a race to someone outside the importers (an editor adding an
# issue or a reporter by hand) plans again this many times before it gives up.
WRITE_ATTEMPTS = 3


class ImportFailed(Exception):
    """A file that cannot be imported; nothing of it was written."""

    def __init__(self, source_name: str, message: str, line: int | None = None, column: int | None = None):
        self.source_name, self.message, self.line, self.column = source_name, message, line, column
        if line and column:
            where = _("%(source)s 第 %(line)s 行第 %(column)s 列") % {"source": source_name, "line": line, "column": column}
        elif line:
            where = _("%(source)s 第 %(line)s 行") % {"source": source_name, "line": line}
        else:
            where = source_name
        super().__init__(f"{where}：{message}")


@dataclass
class Record:
    """One parsed article with what is known about it before the database is consulted."""

    position: int
    parsed: ParsedArticle
    draft: Article  # unsaved: the fields and body HTML the article will get
    fingerprint: str
    scan: ZoneScan


@dataclass
class PreparedFile:
    """One file, parsed, validated, fingerprinted and scanned for zones: no lock needed."""

    source_name: str
    parsed: ParsedIssue
    sha256: str  # of the bytes: the same file
    text_sha256: str  # of the text: the same issue, whatever its encoding or line ends
    records: list[Record]
    index: ZoneIndex
    zone_order: dict  # zone -> its place in the database's order (province, name)
    images: dict[str, FigureImage] = field(default_factory=dict)  # by file name, checked

    def resolve_figures(self, refs: dict[str, dict]) -> None:
        """Give the figures their images: bodies and fingerprints name the image ids."""
        for k, record in enumerate(self.records):
            if record.parsed.figures:
                self.records[k] = prepare_record(record.position, record.parsed, self.index, figures=refs)


@dataclass(frozen=True)
class ImportOptions:
    number: int | None = None
    date: dt.date | None = None
    title: str | None = None
    publish: bool = False
    force: bool = False
    allow_duplicate: bool = False


@dataclass
class ArticlePlan:
    position: int
    parsed: ParsedArticle
    fingerprint: str
    action: str
    article: Article | None = None
    zones: Counter = field(default_factory=Counter)
    unknown_zones: Counter = field(default_factory=Counter)
    record: Record | None = None

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
    # The distinct pictures of the file's image lines: added to the library, and found in it.
    pictures_new: int = 0
    pictures_known: int = 0

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)

    @property
    def changed(self) -> bool:
        return self.issue_created or any(p.writes for p in self.plans)


# --- fingerprints ---------------------------------------------------------------------


# The headline fields an import writes and a re-import compares, beside the body (compared
# as blocks) and the credits (from the bylines).
IMPORTED_FIELDS = ("kicker", "headline", "subheadline", "dateline")


def content_fingerprint(article: Article, credits: list[tuple[str, str]], *, blocks: list[dict] | None = None) -> str:
    """A hash of what an article says: the same for a parsed record and the row made from it.

    `blocks` is the body already parsed, when the caller has it.
    """
    blocks = html_to_blocks(article.body) if blocks is None else blocks
    payload = json.dumps(
        [*(getattr(article, f) for f in IMPORTED_FIELDS), blocks, [list(c) for c in credits]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def parsed_fingerprint(parsed: ParsedArticle, *, figures: dict | None = None) -> str:
    """What a record's article will be fingerprinted as once imported (the text export checks
    its own round trip against stored articles with it); `figures` as for unsaved_article()."""
    return content_fingerprint(unsaved_article(parsed, figures=figures), [(c.name, c.role) for c in parsed.credits])


def article_fingerprint(article: Article) -> str:
    bylines = article.bylines.select_related("reporter").order_by("position", "id")
    return content_fingerprint(article, [(b.reporter.name, b.role) for b in bylines])


def edited_since_import(article: Article) -> bool:
    return bool(article.import_fingerprint) and article_fingerprint(article) != article.import_fingerprint


def text_fingerprint(text: str) -> str:
    """The same for the same issue saved as UTF-8 or GB18030, with LF or CRLF line ends."""
    return hashlib.sha256(normalize_newlines(text).encode()).hexdigest()


# --- the file alone: parse, validate, fingerprint, find zones -------------------------


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
    user=None,
    comment: str | None = None,
    images_dir: Path | None = None,
) -> ImportResult:
    """Parse, validate and plan one issue file, then write it in one transaction.

    `images_dir` is where the files of the issue's image lines are; each is read and
    checked before anything is written."""
    options = ImportOptions(
        number=number, date=date, title=title, publish=publish, force=force, allow_duplicate=allow_duplicate
    )
    with blocks_remembered():  # each body is read into blocks once, however many steps read it
        prepared = prepare_file(data=data, source_name=source_name, images_dir=images_dir)
        if dry_run:
            refs = figure_refs(prepared.images, user=user, stored=None)
            prepared.resolve_figures(refs)
            result = plan_import(prepared, options, dry_run=True)
            result.pictures_known = len({ref["image"] for ref in refs.values()})
            result.pictures_new = len({image.inspected.sha256 for image in prepared.images.values()}) - result.pictures_known
            return result
        comment = comment or _("从 %(source)s 导入") % {"source": source_name}
        return commit_import(prepared, options, user=user, comment=comment)


def prepare_file(*, data: bytes, source_name: str, images_dir: Path | None = None) -> PreparedFile:
    try:
        parsed = parse_issue(data, max_bytes=settings.IMPORT_MAX_BYTES)
    except ParseError as e:
        raise ImportFailed(source_name, _(e.template).format(**e.params), e.line, e.column) from None
    check_lengths(parsed, source_name)
    try:
        images = figure_images(parsed, images_dir)
    except FigureRefused as refused:
        raise ImportFailed(source_name, refused.message, refused.line) from None
    zones, index = current_zones()
    return PreparedFile(
        source_name=source_name,
        parsed=parsed,
        sha256=hashlib.sha256(data).hexdigest(),
        text_sha256=text_fingerprint(parsed.text),
        records=[prepare_record(position, article, index) for position, article in enumerate(parsed.articles, start=1)],
        index=index,
        zone_order={zone: rank for rank, zone in enumerate(zones)},
        images=images,
    )


# The zones as last read, with their scanner, by the rows they were made from: a bulk
# import reads the zones for each file (an editor may change one meanwhile) but makes the
# zones and builds the scanner (a few hundred names' prefixes) once while they stay the same.
_zones_read: dict[tuple, tuple[list, ZoneIndex]] = {}


def current_zones() -> tuple[list[Zone], ZoneIndex]:
    """The zones in the database's order (province, name), and their scanner."""
    queryset = Zone.objects.all()
    columns = [field.attname for field in Zone._meta.concrete_fields]
    rows = tuple(queryset.values_list(*columns))
    if rows not in _zones_read:
        _zones_read.clear()
        zones = [Zone.from_db(queryset.db, columns, row) for row in rows]  # as the query would make them
        _zones_read[rows] = zones, ZoneIndex.from_zones(zones)
    return _zones_read[rows]


def prepare_record(position: int, parsed: ParsedArticle, index: ZoneIndex, *, figures: dict | None = None) -> Record:
    draft = unsaved_article(parsed, figures=figures)
    blocks = html_to_blocks(draft.body)  # parsed once, for both the fingerprint and the zones
    fingerprint = content_fingerprint(draft, [(c.name, c.role) for c in parsed.credits], blocks=blocks)
    scan = index.scan(detection_text(draft, blocks=blocks))
    return Record(position=position, parsed=parsed, draft=draft, fingerprint=fingerprint, scan=scan)


def check_lengths(parsed: ParsedIssue, source_name: str) -> None:
    """Refuse a name longer than its column, before PostgreSQL does it with a DataError.

    Headlines and headings are bounded by the parser's own rules; a byline is not.
    """
    name_limit = Reporter._meta.get_field("name").max_length
    for article in parsed.articles:
        for credit in article.credits:
            if len(credit.name) > name_limit:
                message = _("《%(headline)s》的署名“%(name)s…”太长（%(length)s 字），名字最多 %(limit)s 字。")
                params = {"headline": article.headline, "name": credit.name[:12], "length": len(credit.name), "limit": name_limit}
                raise ImportFailed(source_name, message % params, article.line)


# What a figure whose file has no image yet shows until the import stores it (a dry run,
# or the plan made before the lock): no image, so no fingerprint can match it.
UNRESOLVED_FIGURE = {"image": 0, "src": "", "alt": "", "width": 0, "height": 0}


def unsaved_article(parsed: ParsedArticle, *, figures: dict | None = None) -> Article:
    """The article a record would become, for the checks that read articles.

    `figures` gives each figure's image by file name (figures.figure_refs)."""
    return Article(
        kicker=parsed.kicker,
        headline=parsed.headline,
        subheadline=parsed.subheadline,
        dateline=parsed.dateline,
        body=blocks_to_html([body_block(b, figures) for b in parsed.blocks]),
    )


def body_block(block, figures: dict | None) -> dict:
    if block.type != "figure":
        return block.as_dict()
    return {**block.as_dict(), **(figures or {}).get(block.file, UNRESOLVED_FIGURE)}


# --- against the database: choose the issue, plan each article ------------------------


def commit_import(prepared: PreparedFile, options: ImportOptions, *, user, comment: str) -> ImportResult:
    """Plan and write under the import lock; plan again if someone else took a row meanwhile.

    Imports wait for each other, so what can still collide is a row written by hand at
    the same moment (an issue number, a reporter's name or slug): the unique constraint
    refuses it, the transaction rolls back, and the import plans again. So does an article
    an editor saved after it was planned (its save is conditional on the version planned
    from): planned again, it is the editor's version that the import sees, and keeps.
    """
    for _attempt in range(WRITE_ATTEMPTS):
        try:
            with files_removed_on_failure() as stored:
                return commit_once(prepared, options, user=user, comment=comment, stored=stored)
        except IntegrityError as error:
            collision = first_line(error)
        except Article.StaleVersion:
            collision = _("编辑在导入期间保存了本期的文章")
        except DatabaseError as error:
            raise ImportFailed(prepared.source_name, database_error_message(error)) from None
        except ValidationError as error:  # --title or --date that the issue form would refuse
            raise ImportFailed(prepared.source_name, "；".join(error.messages)) from None
        except workflow.WorkflowError as error:
            message = _("不能发布，未导入任何内容：%(problems)s") % {"problems": "；".join(error.problems)}
            raise ImportFailed(prepared.source_name, message) from None
    message = _("写入时连续 %(attempts)s 次与同时进行的其他修改冲突，未导入（%(error)s）。")
    raise ImportFailed(prepared.source_name, message % {"attempts": WRITE_ATTEMPTS, "error": collision})


def commit_once(prepared: PreparedFile, options: ImportOptions, *, user, comment: str, stored: list[str]) -> ImportResult:
    # Each written article is added to the revision once, when complete (write_issue).
    with transaction.atomic(), revision_context(user=user, comment=comment, manage_manually=True):
        lock_imports()
        refs = {}
        if prepared.images:  # stored first: the bodies and fingerprints name their ids
            refs = figure_refs(prepared.images, user=user, stored=stored)
            prepared.resolve_figures(refs)
        result = plan_import(prepared, options, dry_run=False)
        write_issue(result, prepared=prepared, options=options)
    result.pictures_new = len(stored)  # one master stored for each picture added
    result.pictures_known = len({ref["image"] for ref in refs.values()}) - result.pictures_new
    return result


def lock_imports() -> None:
    """Let one import at a time choose numbers and write; the others wait here.

    On PostgreSQL this is a transaction-level advisory lock, released by the commit or
    rollback. On SQLite the transaction itself is the lock: the settings begin write
    transactions IMMEDIATE, which takes the database's one write lock at BEGIN, so a
    second import waits (up to the busy timeout) before it reads anything. (Were the
    transactions deferred, the second import would fail at its first write with
    "database is locked", reported as a one-line ImportFailed: refused, never duplicated.)
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [error.__class__.__name__])[0]


def database_error_message(error: DatabaseError) -> str:
    text = first_line(error)
    if "locked" in text or "busy" in text:  # SQLite gave up waiting for the write lock
        seconds = transaction.get_connection().settings_dict.get("OPTIONS", {}).get("timeout")
        if seconds:
            return _("数据库被其他写入占用，等了 %(seconds)s 秒仍未轮到，未导入；请稍后重试。") % {"seconds": seconds}
        return _("数据库被其他写入占用，未导入；请稍后重试。")
    return _("写入数据库失败，未导入（%(error)s）。") % {"error": text}


def plan_import(prepared: PreparedFile, options: ImportOptions, *, dry_run: bool) -> ImportResult:
    issue, created = target_issue(prepared, options)
    plans = plan_articles(issue=None if created else issue, records=prepared.records, force=options.force)
    parsed = prepared.parsed
    return ImportResult(
        source_name=prepared.source_name,
        issue=issue,
        issue_created=created,
        plans=plans,
        warnings=[f"{_('第 %(line)s 行') % {'line': line}}：{_(t).format(**p)}" for line, t, p in parsed.warnings],
        dry_run=dry_run,
        stale=[] if created else stale_articles(issue, plans),
    )


def target_issue(prepared: PreparedFile, options: ImportOptions) -> tuple[Issue, bool]:
    """The issue this file updates (by number, same bytes, same text or same file name), or a new one."""
    number = options.number
    if number is not None:
        issue = Issue.objects.filter(number=number).first()
        if issue and not is_same_source(issue, prepared) and not options.force:
            raise ImportFailed(
                prepared.source_name,
                _("第 %(number)s 期已由 %(other)s 导入；要用这个文件替换它，请加 --force。")
                % {"number": number, "other": issue.source_name},
            )
    else:
        issue = (
            Issue.objects.filter(source_sha256=prepared.sha256).order_by("number").first()
            or Issue.objects.filter(source_text_sha256=prepared.text_sha256).order_by("number").first()
            or Issue.objects.filter(source_name=prepared.source_name).order_by("-number").first()
        )
    created = issue is None
    if created:
        issue = Issue(number=number or next_issue_number(), source_name=prepared.source_name)
    if not options.allow_duplicate:
        refuse_duplicate(issue, prepared)
    return issue, created


def is_same_source(issue: Issue, prepared: PreparedFile) -> bool:
    return (
        issue.source_name in {"", prepared.source_name}
        or issue.source_sha256 == prepared.sha256
        or issue.source_text_sha256 == prepared.text_sha256
    )


def next_issue_number() -> int:
    # Read under the import lock, so no other import can take the same number meanwhile.
    return (Issue.objects.aggregate(n=Max("number"))["n"] or 0) + 1


def refuse_duplicate(issue: Issue, prepared: PreparedFile) -> None:
    """The text is already another issue: importing it again would make a second copy."""
    if issue.pk is not None and issue.source_text_sha256 == prepared.text_sha256:
        return  # the same text into the same issue: a re-import, which changes nothing
    twin = (
        Issue.objects.filter(source_text_sha256=prepared.text_sha256)
        .exclude(pk=issue.pk)
        .order_by("number")
        .only("number", "source_name")
        .first()
    )
    if twin is not None:
        raise ImportFailed(
            prepared.source_name,
            _("内容与第 %(number)s 期（%(other)s）相同，未导入；确实要再导入一份，请加 --allow-duplicate。")
            % {"number": twin.number, "other": twin.source_name},
        )


def plan_articles(*, issue: Issue | None, records: list[Record], force: bool) -> list[ArticlePlan]:
    existing = list(issue.articles.exclude(import_ref="").order_by("position")) if issue else []
    by_ref = {a.import_ref: a for a in existing}
    plans = []
    for record in records:
        article = by_ref.pop(record.parsed.headline, None)
        plans.append(
            ArticlePlan(
                position=record.position, parsed=record.parsed, fingerprint=record.fingerprint, action=CREATE,
                article=article, zones=record.scan.counts, unknown_zones=record.scan.unknown, record=record,
            )
        )
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


# --- writing --------------------------------------------------------------------------


def write_issue(result: ImportResult, *, prepared: PreparedFile, options: ImportOptions) -> None:
    issue = result.issue
    fields = issue_changes(issue, created=result.issue_created, prepared=prepared, options=options)
    if fields or result.issue_created:
        for name, value in fields.items():
            setattr(issue, name, value)
        # The unique number is left to the database, which decides it at the insert.
        issue.full_clean(validate_unique=False)
        issue.save()
    writing = [plan for plan in result.plans if plan.writes]
    reporters = ReporterCache()
    reporters.load(credit.name for plan in writing for credit in plan.parsed.credits)
    updated = [
        write_article(plan, issue=issue, index=prepared.index, reporters=reporters)
        for plan in writing
        if plan.article is not None
    ]
    created = create_articles([plan for plan in writing if plan.article is None], issue=issue, prepared=prepared, reporters=reporters)
    published = publish_issue_articles(issue, publish_at=issue_publish_at(issue.date)) if options.publish else []
    if updated or created or published:  # the revision: each article as the import leaves it
        articles = Article.objects.filter(pk__in={*updated, *created, *published}).order_by("position", "pk")
        save_articles_revision(articles, written=created)


def issue_changes(issue: Issue, *, created: bool, prepared: PreparedFile, options: ImportOptions) -> dict:
    fields = {}
    if created:
        fields.update(date=options.date or timezone.localdate(), title=options.title or "")
    else:
        if options.date and options.date != issue.date:
            fields["date"] = options.date
        if options.title is not None and options.title != issue.title:
            fields["title"] = options.title
    if prepared.sha256 != issue.source_sha256:
        fields.update(
            source_name=prepared.source_name,
            source_sha256=prepared.sha256,
            source_text_sha256=prepared.text_sha256,
            source_text=prepared.parsed.text,
            imported_at=timezone.now(),
        )
    return fields


def issue_publish_at(date: dt.date) -> dt.datetime:
    """Articles of an issue appear from the start of its date, Beijing time."""
    return timezone.make_aware(dt.datetime.combine(date, dt.time.min), timezone.get_default_timezone())


def publish_issue_articles(issue: Issue, *, publish_at) -> list[int]:
    """Through the one publishing function's rules, so --publish obeys the publish action's
    checks; a refusal (WorkflowError) rolls the whole import back. Returns the ids published."""
    return [article.pk for article in publish_imported(issue=issue, publish_at=publish_at).published]


def write_article(plan: ArticlePlan, *, issue: Issue, index: ZoneIndex, reporters: "ReporterCache") -> int:
    """Update an article imported before, one save at a time: the save is conditional on the
    version planned from (Article.StaleVersion), and re-detection keeps editors' zone choices."""
    parsed, draft, article = plan.parsed, plan.record.draft, plan.article
    article.position = plan.position
    for name in (*IMPORTED_FIELDS, "body"):
        setattr(article, name, getattr(draft, name))
    article.import_ref = parsed.headline
    article.import_fingerprint = plan.fingerprint
    article.save()
    write_bylines(article, parsed, reporters=reporters)
    article_zones_redetect(article=article, index=index, scan=plan.record.scan)
    article.refresh_related()
    return article.pk


def create_articles(plans: list[ArticlePlan], *, issue: Issue, prepared: PreparedFile, reporters: "ReporterCache") -> dict[int, list]:
    """Insert the file's new articles, their bylines and zone mentions, a few statements in all.
    Returns each new article's id with the rows inserted with it, for the revision.

    Each row gets exactly what saving it one at a time would store: the derived fields come
    from Article.compute_derived(), given the names in the order the database lists them,
    and the card from article_card(), given the rows inserted with it.
    New articles start as drafts; only publish_issue_articles publishes, after its checks.
    The search index follows by itself (database triggers, a generated column).
    """
    if not plans:
        return {}
    articles = insert_new([new_article(plan, issue=issue, prepared=prepared, reporters=reporters) for plan in plans])
    # The card's HTML links to the article, so it needs the id the insert gave: one UPDATE
    # for the file, as save() stores it after its own insert.
    for article in articles:
        article.card_html = stored_fragments(article)
    Article.objects.bulk_update(articles, ["card_html"], batch_size=500)
    rows = {}
    for plan, article in zip(plans, articles, strict=True):
        bylines = []
        write_bylines(article, plan.parsed, reporters=reporters, rows=bylines)
        mentions = [ZoneMention(article=article, zone=zone, mentions=n) for zone, n in plan.record.scan.counts.items()]
        rows[article] = (bylines, mentions)
    insert_new([byline for bylines, _mentions in rows.values() for byline in bylines])
    insert_new([mention for _bylines, mentions in rows.values() for mention in mentions])
    insert_new(new_figures(plans, articles))  # no statement when the file has no figures
    content_changed()  # insert_new() sends no signals
    # Their ids once inserted (insert_new() sets them on both databases, which return them).
    return {article.pk: [*bylines, *mentions] for article, (bylines, mentions) in rows.items()}


def new_figures(plans: list[ArticlePlan], articles: list[Article]) -> list[Figure]:
    """Article.figures of the new articles, as the body shows them (what Article.save() keeps)."""
    return [
        Figure(article=article, image_id=image_id, position=position)
        for plan, article in zip(plans, articles, strict=True)
        if plan.parsed.figures  # only bodies with figures are read again
        for position, image_id in enumerate(figure_ids(article.body), start=1)
    ]


def new_article(plan: ArticlePlan, *, issue: Issue, prepared: PreparedFile, reporters: "ReporterCache") -> Article:
    draft, scan, credits = plan.record.draft, plan.record.scan, plan.parsed.credits
    zones = sorted(scan.counts, key=prepared.zone_order.__getitem__)
    article = Article(
        issue=issue,
        position=plan.position,
        status=Article.Status.DRAFT,
        publish_at=None,
        **{name: getattr(draft, name) for name in (*IMPORTED_FIELDS, "body")},
        import_ref=plan.parsed.headline,
        import_fingerprint=plan.fingerprint,
        unknown_zones=dict(scan.unknown),
        # As refresh_cards() would store it: the bylines in their order, the zones in Zone's.
        card=article_card(
            bylines=[(credit.name, credit.role, reporters.get(credit.name).slug) for credit in credits],
            zones=[(zone.pk, zone.name, zone.slug) for zone in zones],
            topics=[],
        ),
    )
    article.compute_derived(
        reporter_names=reporters.in_database_order({credit.name for credit in credits}),
        zone_names=[zone.name for zone in zones],
    )
    return article


class ReporterCache:
    """Reporters by name for one import: looked up together, each missing one created once."""

    def __init__(self):
        self._by_name: dict[str, Reporter] = {}
        self._rank: dict[str, int] = {}

    def load(self, names) -> None:
        """Fetch the named reporters in one query and create the missing ones, in file order."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._by_name]
        if not wanted:
            return
        self._by_name.update((r.name, r) for r in Reporter.objects.filter(name__in=wanted))
        missing = [name for name in wanted if name not in self._by_name]
        self._by_name.update((r.name, r) for r in create_reporters(missing))
        self._rank = {}

    def get(self, name: str) -> Reporter:
        if name not in self._by_name:
            self._by_name[name], _created = Reporter.objects.get_or_create(name=name)
            self._rank = {}
        return self._by_name[name]

    def in_database_order(self, names) -> list[str]:
        """The names as `article.reporters` lists them (by name, in the database's collation)."""
        if not self._rank:
            ordered = Reporter.objects.filter(name__in=self._by_name).values_list("name", flat=True)
            self._rank = {name: rank for rank, name in enumerate(ordered)}
        return sorted(names, key=self._rank.__getitem__)


def create_reporters(names: list[str]) -> list[Reporter]:
    """New reporters in one insert, each with the slug Reporter.save() would give it, in order.

    Someone adding a reporter by hand meanwhile makes the insert fail on the unique name or
    slug, and the import plans again (commit_import), as with a save one at a time.
    """
    if not names:
        return []
    prefix = Reporter._meta.model_name
    bases = {name: base_slug(name, prefix=prefix) for name in names}
    taken = taken_slugs(set(bases.values()))
    reporters = []
    for name in names:
        reporters.append(Reporter(name=name, slug=free_slug(bases[name], taken)))
        taken.add(reporters[-1].slug)
    insert_new(reporters)
    content_changed()  # insert_new() sends no signals
    return reporters


def taken_slugs(bases: set[str]) -> set[str]:
    """Every reporter slug that starts with one of `bases` (and a few more): what free_slug()
    must avoid. One query that compares each row once, by its first few characters, where
    one LIKE per base made the database test every row against every new name."""
    head = min(len(base) for base in bases)
    rows = Reporter.objects.annotate(head=Substr("slug", 1, head)).filter(head__in={base[:head] for base in bases})
    return set(rows.values_list("slug", flat=True))


def write_bylines(article: Article, parsed: ParsedArticle, *, reporters: ReporterCache | None = None, rows: list | None = None) -> None:
    """Replace the article's bylines; for a new article, add them to `rows` for one bulk insert instead."""
    reporters = reporters or ReporterCache()
    if rows is None:
        article.bylines.all().delete()
    for position, credit in enumerate(parsed.credits, start=1):
        byline = Byline(article=article, reporter=reporters.get(credit.name), role=credit.role, position=position)
        if rows is None:
            byline.save()
        else:
            rows.append(byline)
