"""Export an issue as JSON (the stable interface other tools read) or as issue text.

The text form is the import format. It carries less than an article holds, so the text
export checks its own round trip before it is printed: it parses what it wrote with the
importer's parser and compares each article with the stored one, and refuses, naming
what is lost, rather than print text that would not import back to the same articles.
A figure is written as an image line naming its picture's file; the pictures themselves
can be written to a directory beside the text, which `import_issue --images` reads back.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from articles.models import Article, Byline
from newsroom.images.models import Image
from newsroom.importing.figures import figure_ref
from newsroom.importing.loader import (
    content_fingerprint,
    issue_publish_at,
    parsed_fingerprint,
    unsaved_article,
)
from newsroom.importing.parser import ParsedArticle, ParseError, is_short_line, parse_issue
from newsroom.models import Issue


def issue_articles(issue: Issue) -> list[Article]:
    return list(
        issue.articles.order_by("position", "id").prefetch_related(
            "bylines__reporter", "zone_mentions__zone", "tags", "excluded_zones"
        )
    )


def article_export_data(article: Article) -> dict:
    return {
        "position": article.position,
        "headline": article.headline,
        "kicker": article.kicker,
        "subheadline": article.subheadline,
        "standfirst": article.standfirst,
        "dateline": article.dateline,
        "reporters": [{"name": b.reporter.name, "role": b.role} for b in article.bylines.all()],
        "zones": [
            {"name": m.zone.name, "slug": m.zone.slug, "mentions": m.mentions}
            for m in sorted(article.zone_mentions.all(), key=lambda m: (-m.mentions, m.zone.name))
        ],
        "tags": sorted(t.name for t in article.tags.all()),
        "status": article.status,
        "publish_at": article.publish_at.isoformat() if article.publish_at else None,
        "url": article.get_absolute_url(),
        "blocks": article.blocks,
        # The sanitized HTML too: the blocks keep the text but not bold, links or lists.
        "body": article.body,
    }


def unknown_zone_mentions(articles: list[Article]) -> list[dict]:
    mentions, positions = defaultdict(int), defaultdict(list)
    for article in articles:
        for name, count in (article.unknown_zones or {}).items():
            mentions[name] += count
            positions[name].append(article.position)
    return [{"name": n, "mentions": mentions[n], "articles": positions[n]} for n in sorted(mentions)]


def issue_export_data(issue: Issue) -> dict:
    articles = issue_articles(issue)
    return {
        "number": issue.number,
        "date": issue.date.isoformat(),
        "title": issue.title,
        "status": issue.status,
        "articles": [article_export_data(a) for a in articles],
        "unknown_zone_mentions": unknown_zone_mentions(articles),
    }


def byline_text(bylines) -> str:
    """`► 刘琴` or `► 记者 张三 通讯员 王五 作者 李四`, in byline order.

    A role word applies to the names after it, so one is written wherever the role
    changes; 作者 switches back to names without a role. An article without bylines still
    gets a bare `►`: it is what tells the parser that a new article starts there.
    """
    parts, role = ["►"], Byline.Role.AUTHOR
    for byline in bylines:
        if byline.role != role:
            parts.append(byline.role)
            role = byline.role
        parts.append(byline.reporter.name)
    return " ".join(parts)


def figure_line(block: dict, name: str) -> str:
    """`[图：plant.jpg 园区全景（摄影 张三）]`: what the parser reads back as this figure."""
    credit = f"（摄影 {block['credit']}）" if block["credit"] else ""
    return f"[图：{name} {block['caption']}{credit}]"


def article_text(article: Article, names: dict[int, str] | None = None) -> str:
    """The article in the import format; `names` gives each figure's picture its file name
    (a figure without one cannot be written, and lost_fields() names it)."""
    head = [line for line in (article.kicker, article.headline, article.subheadline) if line]
    if article.kicker and not article.subheadline:
        head = [article.headline]  # a kicker needs a subheadline to be told apart; see README
    chunks = ["\n".join(head), byline_text(article.bylines.all())]
    first_paragraph = True
    for block in article.blocks:
        if block["type"] == "figure":
            if block["image"] in (names or {}) and block["caption"]:
                chunks.append(figure_line(block, names[block["image"]]))
            continue
        if block["type"] == "heading":
            chunks.append("\n".join(filter(None, [block["text"], block.get("subtitle")])))
            continue
        text = block["text"]
        if first_paragraph and article.dateline:
            text = f"{article.dateline} {text}"
        first_paragraph = False
        chunks.append(text)
    return "\n\n".join(chunks)


# --- the text export's own round trip ---------------------------------------------------


class TextExportRefused(Exception):
    """The issue cannot be exported as text without loss; one line per affected article."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class IssueText:
    text: str
    starts: list[int]  # the line on which each article begins, as the parser numbers lines
    pictures: dict[str, Image] = field(default_factory=dict)  # the figures' pictures by file name

    def article_at(self, line: int | None) -> int:
        """The index of the article that holds `line`."""
        return max(0, sum(1 for start in self.starts if start <= (line or 1)) - 1)


def issue_text(articles: list[Article]) -> IssueText:
    pictures = figure_pictures(articles)
    names = {image.pk: name for name, image in pictures.items()}
    chunks, starts, line = [], [], 1
    for article in articles:
        chunk = article_text(article, names)
        chunks.append(chunk)
        starts.append(line)
        line += chunk.count("\n") + 2  # the chunk's lines and the blank line after it
    return IssueText("\n\n".join(chunks) + "\n", starts, pictures)


def figure_pictures(articles: list[Article]) -> dict[str, Image]:
    """The pictures the articles' figures show, by the file name the text gives each: the
    name of its stored master, which is unique (named by content); no query without figures."""
    ids = {b["image"] for article in articles for b in article.blocks if b["type"] == "figure" and b["image"]}
    if not ids:
        return {}
    pictures = {}
    for image in Image.objects.filter(pk__in=ids).order_by("pk"):
        name = PurePosixPath(image.file.name).name
        pictures[name if name not in pictures else f"{image.pk}-{name}"] = image
    return pictures


def issue_export_text(issue: Issue, *, images_dir: Path | None = None) -> str:
    """The issue in the import format, or TextExportRefused when that would lose anything.

    With `images_dir`, the figures' pictures are written there too, under the names the
    text gives them, once the text is known to import back."""
    articles = issue_articles(issue)
    if not articles:
        raise TextExportRefused([_("%(issue)s没有文章，文本格式无法表示空的一期。") % {"issue": issue}])
    exported = issue_text(articles)
    reasons = round_trip_reasons(articles, exported)
    now = timezone.now()
    problems = []
    for index, article in enumerate(articles):
        lost = lost_fields(article, issue=issue, now=now, pictures=exported.pictures)
        if line := problem_line(article, lost, reasons[index]):
            problems.append(line)
    if problems:
        raise TextExportRefused(problems)
    if images_dir is not None:
        write_pictures(exported.pictures, Path(images_dir))
    return exported.text


def write_pictures(pictures: dict[str, Image], directory: Path) -> None:
    """Each picture's stored master, byte for byte: importing it again finds the same picture."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, image in pictures.items():
        with default_storage.open(image.file.name, "rb") as master:
            (directory / name).write_bytes(master.read())


def problem_line(article: Article, lost: list[str], round_trip: list[str]) -> str:
    parts = [_("文本格式无法保存%(fields)s") % {"fields": "、".join(lost)}] if lost else []
    parts += round_trip
    if not parts:
        return ""
    return _("第%(position)s篇《%(headline)s》：%(problems)s") % {
        "position": article.position,
        "headline": article.headline,
        "problems": "；".join(parts),
    }


# --- what the text format does not carry ---------------------------------------------

# Tags the sanitizer lets into a body that the text format has no way to write.
MARKUP_LABELS = (
    ({"strong", "b"}, gettext_noop("加粗")),
    ({"a"}, gettext_noop("链接")),
    ({"ul", "ol", "li"}, gettext_noop("列表")),
    ({"blockquote"}, gettext_noop("引用")),
    ({"br"}, gettext_noop("段内换行")),
)
TAG_RE = re.compile(r"<([a-z0-9]+)")
SUBTITLE_RE = re.compile(r"</h2>\s*<h3")


def lost_fields(article: Article, *, issue: Issue, now, pictures: dict[str, Image] | None = None) -> list[str]:
    """What this article holds that its text would not, named as an editor knows it."""
    lost = figure_losses(article, {image.pk for image in (pictures or {}).values()})
    if article.standfirst.strip():
        lost.append(_("导语"))
    if article.kicker and not article.subheadline:
        lost.append(_("引题（没有副题时）"))
    if article.tags.all():
        lost.append(_("话题"))
    lost += markup_labels(article.body)
    if any(m.manual for m in article.zone_mentions.all()) or article.excluded_zones.all():
        lost.append(_("手动设置的高新区"))
    return lost + status_labels(article, issue=issue, now=now)


def figure_losses(article: Article, known: set[int]) -> list[str]:
    """An image line needs a caption and a picture in the library."""
    figures = [b for b in article.blocks if b["type"] == "figure"]
    lost = []
    if any(not b["caption"] for b in figures):
        lost.append(_("没有说明文字的图片"))
    if any(b["image"] not in known for b in figures):
        lost.append(_("图库中已没有的图片"))
    return lost


def markup_labels(body: str) -> list[str]:
    # The body is sanitized HTML, so every "<" that starts a tag is a real tag.
    tags = set(TAG_RE.findall(body))
    labels = [_(label) for names, label in MARKUP_LABELS if tags & names]
    if body.count("<h3") > len(SUBTITLE_RE.findall(body)):
        labels.append(_("单独的三级标题"))  # re-imported as a second-level heading
    return labels


def status_labels(article: Article, *, issue: Issue, now) -> list[str]:
    """Re-importing gives every article the issue's state (with --publish when published).

    A status other than that, or a schedule other than the issue's date, is lost; a past
    publication time is not compared, as the text carries the issue date instead.
    """
    expected = Article.Status.PUBLISHED if issue.is_published else Article.Status.DRAFT
    if article.status != expected:
        return [_("状态（%(status)s）") % {"status": article.get_status_display()}]
    at = article.publish_at
    if expected == Article.Status.PUBLISHED and at and at > now and at != issue_publish_at(issue.date):
        return [_("排期（%(at)s）") % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}]
    return []


# --- what the parser reads back ------------------------------------------------------

PART_LABELS = {
    "kicker": gettext_noop("引题"),
    "headline": gettext_noop("标题"),
    "subheadline": gettext_noop("副题"),
    "dateline": gettext_noop("电头"),
    "body": gettext_noop("正文"),
    "credits": gettext_noop("署名"),
}


def round_trip_reasons(articles: list[Article], exported: IssueText) -> list[list[str]]:
    """Parse the text as the importer would and compare each article with the stored one."""
    reasons: list[list[str]] = [[] for _article in articles]
    try:
        parsed = parse_issue(exported.text.encode())
    except ParseError as e:
        error = _(e.template).format(**e.params)
        index = exported.article_at(e.line)
        reasons[index] += [_("重新导入失败（%(error)s）") % {"error": error}, *short_paragraph_hint(articles[index])]
        return reasons
    by_line = {record.line: record for record in parsed.articles}
    refs = {name: figure_ref(image) for name, image in exported.pictures.items()}
    for index, article in enumerate(articles):
        record = by_line.pop(exported.starts[index], None)
        if record is None:
            reasons[index].append(_("重新导入后会并入上一篇"))
        elif parts := [p for p in differing_parts(article, record, refs) if p not in named_parts(article)]:
            names = "、".join(_(PART_LABELS[p]) for p in parts if p in PART_LABELS) or _("内容")
            reasons[index].append(_("重新导入后%(parts)s不同") % {"parts": names})
    for record in by_line.values():
        reasons[exported.article_at(record.line)].append(_("重新导入后会拆成两篇"))
    return [r + short_paragraph_hint(a) if r else r for a, r in zip(articles, reasons, strict=True)]


def short_paragraph_hint(article: Article) -> list[str]:
    """The usual cause: the format reads a short line that ends no sentence as a title."""
    for block in article.blocks:
        if block["type"] == "paragraph" and is_short_line(block["text"]):
            text = block["text"][:20]
            return [_("没有句末标点的短段落“%(text)s”会被读成标题") % {"text": text}]
    return []


def differing_parts(article: Article, record: ParsedArticle, refs: dict | None = None) -> list[str]:
    """[] when the record imports to this article's content, else the parts that differ.

    Equality is the loader's own test (its content fingerprint), with the record's figures
    showing the pictures named in the text (`refs`); the parts only explain.
    """
    credits = [(b.reporter.name, b.role) for b in article.bylines.all()]
    if content_fingerprint(article, credits) == parsed_fingerprint(record, figures=refs):
        return []
    draft = unsaved_article(record, figures=refs)
    parts = [f for f in ("kicker", "headline", "subheadline", "dateline") if getattr(draft, f) != getattr(article, f)]
    if draft.blocks != article.blocks:
        parts.append("body")
    if [(c.name, c.role) for c in record.credits] != credits:
        parts.append("credits")
    return parts or ["content"]


def named_parts(article: Article) -> set[str]:
    """Differences that lost_fields() has already named: the dropped 引题, the joined lines,
    the figures that could not be written."""
    named = {"kicker"} if article.kicker and not article.subheadline else set()
    return named | ({"body"} if "<br" in article.body or figure_losses_possible(article) else set())


def figure_losses_possible(article: Article) -> bool:
    return any(b["type"] == "figure" and not (b["caption"] and b["image"]) for b in article.blocks)
