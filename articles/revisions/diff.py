"""What changed between two versions: article snapshots compared field by field, then
paragraphs, then characters.

Chinese has no spaces between words, so a word diff would treat a whole sentence as
one word. Han characters are compared one by one; Latin words and numbers stay whole
(3.6亿元 changing to 4.2亿元 marks the number, not single digits). Everything is
escaped before it is marked up.
"""
import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Version
from taggit.models import Tag, TaggedItem

from articles.body import html_to_blocks
from articles.dates import format_local
from articles.models import Article, Byline, ZoneMention
from articles.revisions.history import related_versions
from newsroom.models import Issue, Reporter
from zones.models import Zone

TOKEN_RE = re.compile(r"[A-Za-z0-9.]+|\s+|.", re.S)


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side comparison; kind is equal, changed, removed or added."""

    kind: str
    left: SafeString
    right: SafeString


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def _marked(parts: list[str], tag: str) -> str:
    text = escape("".join(parts))
    return f"<{tag}>{text}</{tag}>" if text else ""


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts, escaped, with removed tokens in <del> and added ones in <ins>."""
    a, b = tokens(old), tokens(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(escape("".join(a[i1:i2])))
            right.append(escape("".join(b[j1:j2])))
            continue
        left.append(_marked(a[i1:i2], "del"))
        right.append(_marked(b[j1:j2], "ins"))
    return mark_safe("".join(left)), mark_safe("".join(right))


def _replaced_rows(old: list[str], new: list[str]) -> list[Row]:
    # Pair replaced paragraphs one to one; the surplus on either side is removed/added.
    rows = []
    for k in range(max(len(old), len(new))):
        if k < len(old) and k < len(new):
            left, right = inline_diff(old[k], new[k])
            rows.append(Row("changed", left, right))
        elif k < len(old):
            rows.append(Row("removed", mark_safe(_marked([old[k]], "del")), mark_safe("")))
        else:
            rows.append(Row("added", mark_safe(""), mark_safe(_marked([new[k]], "ins"))))
    return rows


def paragraph_rows(old: list[str], new: list[str]) -> list[Row]:
    """The side-by-side rows that turn the paragraphs `old` into `new`."""
    rows = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(Row("equal", escape(p), escape(p)) for p in old[i1:i2])
        else:
            rows.extend(_replaced_rows(old[i1:i2], new[j1:j2]))
    return rows


def has_changes(rows: list[Row]) -> bool:
    return any(row.kind != "equal" for row in rows)


# The article fields a comparison shows, each under its model label.
REVISION_FIELDS = [
    "kicker", "headline", "subheadline", "dateline", "standfirst", "body",
    "status", "publish_at", "issue_id", "position",
]


@dataclass
class Snapshot:
    """An article's full content at one moment, as plain values for display and diff."""

    fields: dict
    bylines: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return body_paragraphs(self.fields.get("body", ""))

    @property
    def display_fields(self) -> list[tuple[str, str]]:
        """(label, value) for every field but the body, as editors read them."""
        return [
            (_field_label(name), display_value(name, self.fields.get(name)))
            for name in REVISION_FIELDS
            if name != "body"
        ]


def display_value(name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "status":
        return str(Article.Status(value).label)
    if name == "publish_at":
        return format_local(value)
    if name == "issue_id":
        issue = Issue.objects.filter(pk=value).first()
        return str(issue) if issue else str(value)
    return str(value)


def body_paragraphs(body: str) -> list[str]:
    """The body as a list of paragraphs; a heading and its subtitle are one entry each."""
    paragraphs = []
    for block in html_to_blocks(body):
        if block["type"] == "heading":
            paragraphs.append(_("【小标题】%(text)s") % {"text": block["text"]})
            if block.get("subtitle"):
                paragraphs.append(_("【副标题】%(text)s") % {"text": block["subtitle"]})
        elif block["type"] == "figure":
            # Which picture, as well as its caption: swapping the picture is a change too.
            paragraphs.append(_("【图片 %(id)s】%(caption)s") % {"id": block["image"], "caption": block["caption"]})
        else:
            paragraphs.append(block["text"])
    return paragraphs


def snapshot_from_version(version: Version) -> Snapshot:
    data = version.field_dict
    bylines = sorted((v.field_dict for v in related_versions(version, Byline)), key=lambda d: d["position"])
    names = dict(Reporter.objects.filter(pk__in=[b["reporter_id"] for b in bylines]).values_list("pk", "name"))
    mentions = [v.field_dict for v in related_versions(version, ZoneMention)]
    zone_names = dict(Zone.objects.filter(pk__in=[m["zone_id"] for m in mentions]).values_list("pk", "name"))
    tag_ids = [v.field_dict["tag_id"] for v in related_versions(version, TaggedItem)]
    return Snapshot(
        fields={name: data.get(name) for name in REVISION_FIELDS},
        bylines=[f"{b['role']} {names.get(b['reporter_id'], '?')}" for b in bylines],
        zones=sorted(f"{zone_names.get(m['zone_id'], '?')} × {m['mentions']}" for m in mentions),
        tags=sorted(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True)),
    )


def snapshot_of_article(article) -> Snapshot:
    return Snapshot(
        fields={name: getattr(article, name) for name in REVISION_FIELDS},
        bylines=[f"{b.role} {b.reporter.name}" for b in article.bylines.select_related("reporter")],
        zones=sorted(f"{m.zone.name} × {m.mentions}" for m in article.zone_mentions.select_related("zone")),
        tags=sorted(article.tags.names()),
    )


@dataclass(frozen=True)
class FieldDiff:
    label: str
    rows: list[Row]

    @property
    def changed(self) -> bool:
        return has_changes(self.rows)


def _field_label(name: str) -> str:
    return str(Article._meta.get_field(name.removesuffix("_id")).verbose_name)


def _as_lines(name: str, value) -> list[str]:
    text = display_value(name, value)
    return [text] if text else []


def compare_snapshots(old: Snapshot, new: Snapshot) -> list[FieldDiff]:
    """Every field side by side; the body paragraph by paragraph."""
    diffs = []
    for name in REVISION_FIELDS:
        if name == "body":
            diffs.append(FieldDiff(_field_label(name), paragraph_rows(old.paragraphs, new.paragraphs)))
        else:
            rows = paragraph_rows(_as_lines(name, old.fields.get(name)), _as_lines(name, new.fields.get(name)))
            diffs.append(FieldDiff(_field_label(name), rows))
    diffs.append(FieldDiff(_("署名"), paragraph_rows(old.bylines, new.bylines)))
    diffs.append(FieldDiff(_("高新区"), paragraph_rows(old.zones, new.zones)))
    diffs.append(FieldDiff(_("话题"), paragraph_rows(old.tags, new.tags)))
    return diffs
