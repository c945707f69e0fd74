"""Subscribers in and out as CSV, for the desk (newsroom/admin/subscribers.py).

Export: UTF-8 with a byte-order mark, so that Excel opens the Chinese right, and every cell
that a spreadsheet would run as a formula (= + - @, tab, carriage return) prefixed with an
apostrophe. Import: parse (pure, bytes in, rows out), validate every row, then write them
all in one transaction or nothing; an import never turns an address that left, bounced or
complained back into a subscriber.
"""
import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag

from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Subscriber
from zones.models import Zone

EXPORT_HEADER = ["电子邮件", "状态", "关注的高新区", "关注的话题", "登记时间", "确认时间"]
# The columns an import reads, by any of their names; the export's are among them.
COLUMNS = {
    # Also the subscribe form's own label, and what Chinese sign-up sheets usually call it.
    "email": ("email", "e-mail", "email address", "电子邮件", "电子邮件地址", "电子邮箱", "邮箱", "邮箱地址"),
    "zones": ("zones", "关注的高新区", "高新区"),
    "topics": ("topics", "关注的话题", "话题"),
}
LIST_SEPARATORS = re.compile(r"[;；、]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
BATCH = 1000


class CsvRefused(Exception):
    """The file as a whole cannot be read (encoding, no email column, too long)."""


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    zones: tuple[str, ...] | None  # None: the file has no such column, keep what is stored
    topics: tuple[str, ...] | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    kept_stopped: int = 0
    pending_ids: list[int] = field(default_factory=list)


# --- export


def safe_cell(value: str) -> str:
    """A cell Excel and LibreOffice show as text: a leading apostrophe before a formula start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_rows(subscribers):
    """The header, then one row per subscriber (zones and topics prefetched)."""
    yield EXPORT_HEADER
    for sub in subscribers:
        yield [safe_cell(str(value)) for value in (
            sub.email, sub.get_status_display(),
            "；".join(zone.name for zone in sub.zones.all()), "；".join(tag.name for tag in sub.topics.all()),
            _local(sub.created_at), _local(sub.confirmed_at),
        )]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


class _Line:
    """csv.writer's file: hands back each line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def export_lines(subscribers):
    """The CSV as text lines, the first starting with the byte-order mark."""
    writer = csv.writer(_Line())
    for index, row in enumerate(export_rows(subscribers)):
        line = writer.writerow(row)
        yield codecs.BOM_UTF8.decode() + line if index == 0 else line


# --- import: parse


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030, which Excel on Chinese Windows saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # GB18030 has a byte-order mark of its own (84 31 95 33, which Notepad and
            # iconv write), decoded as U+FEFF: left on, it hides the first column's name.
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise CsvRefused(_("文件既不是 UTF-8 也不是 GB18030 编码，请另存为“CSV UTF-8”后再上传。"))


def unformula(value: str) -> str:
    """The export's apostrophe taken off again, so that an exported file imports as it was."""
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: cell}) for each non-empty record; the header is line 1."""
    reader = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    try:
        return _records(reader)
    except csv.Error:
        # The csv module's reasons are English and about quotes, nearly always unpaired ones.
        raise CsvRefused(_("第 %(line)s 行不是有效的 CSV，请检查引号是否成对。") % {"line": reader.line_num}) from None


def _records(reader) -> list[tuple[int, dict[str, str]]]:
    header = next(reader, None)
    if header is None:
        raise CsvRefused(_("文件是空的。"))
    columns = _columns(header)
    rows = []
    # A record can span lines (a quoted cell with a line break): it is named by its first.
    start = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            if len(rows) >= MAX_ROWS:
                raise CsvRefused(_("一次最多导入 %(count)s 行。") % {"count": f"{MAX_ROWS:,}"})
            rows.append((start, {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}))
        start = reader.line_num + 1
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    found = {key: names.index(alias) for key, aliases in COLUMNS.items() for alias in aliases if alias in names}
    if "email" not in found:
        raise CsvRefused(_("第一行要有名为 email（或“电子邮件”）的列。"))
    return found


# --- import: validate


def validate(parsed: list[tuple[int, dict[str, str]]]) -> tuple[list[Row], list[str]]:
    """(rows, problems): every row checked; a problem names its line."""
    zones, topics = _known_names(parsed)
    rows, problems, seen = [], [], {}
    for line, cells in parsed:
        row_problems, row = _validate_row(line, cells, zones=zones, topics=topics)
        if row is not None and row.email in seen:
            row_problems.append(_("与第 %(line)s 行的地址重复") % {"line": seen[row.email]})
        if row_problems:
            problems.append(_("第 %(line)s 行：") % {"line": line} + "；".join(row_problems))
        else:
            seen[row.email] = line
            rows.append(row)
    return rows, problems


def _validate_row(line: int, cells: dict, *, zones: dict, topics: dict) -> tuple[list[str], Row | None]:
    problems = []
    try:
        email = normalise_email(unformula(cells["email"]))
    except ValidationError as error:
        return [*error.messages], None
    zone_names = _names(cells, "zones")
    topic_names = _names(cells, "topics")
    problems += [_("没有名为“%(name)s”的高新区") % {"name": n} for n in zone_names or () if n not in zones]
    problems += [_("没有名为“%(name)s”的话题") % {"name": n} for n in topic_names or () if n.lower() not in topics]
    return problems, Row(line=line, email=email, zones=zone_names, topics=topic_names)


def _names(cells: dict, column: str) -> tuple[str, ...] | None:
    if column not in cells:
        return None
    return tuple(dict.fromkeys(
        name for name in (unformula(part) for part in LIST_SEPARATORS.split(cells[column])) if name
    ))


def _known_names(parsed) -> tuple[dict[str, int], dict[str, int]]:
    """Zone and topic ids by name, for the names the file uses (two queries)."""
    zone_names, topic_names = set(), set()
    for _line, cells in parsed:
        zone_names.update(_names(cells, "zones") or ())
        topic_names.update(_names(cells, "topics") or ())
    zones = dict(Zone.objects.filter(name__in=zone_names).values_list("name", "pk")) if zone_names else {}
    # Topics match without regard to case, as taggit stores them (TAGGIT_CASE_INSENSITIVE).
    topics = {}
    if topic_names:
        lowered = {name.lower() for name in topic_names}
        topics = {name.lower(): pk for name, pk in Tag.objects.values_list("name", "pk") if name.lower() in lowered}
    return zones, topics


# --- import: write


@transaction.atomic
def subscribers_import(*, rows: list[Row], status: str) -> ImportResult:
    """Write validated rows: new addresses with `status` (CONFIRMED: the editor vouches for
    their consent; PENDING: they will be asked), existing ones updated, never duplicated."""
    assert status in (Subscriber.Status.CONFIRMED, Subscriber.Status.PENDING)
    zones, topics = _known_names([(row.line, _cells(row)) for row in rows])
    existing = _existing({row.email for row in rows})
    result = ImportResult()
    now = timezone.now()
    new = [row for row in rows if row.email not in existing]
    created = Subscriber.objects.bulk_create(
        Subscriber(email=row.email, status=status, source=Subscriber.Source.IMPORT,
                   confirmed_at=now if status == Subscriber.Status.CONFIRMED else None)
        for row in new
    )
    result.created = len(created)
    if status == Subscriber.Status.PENDING:
        result.pending_ids = [sub.pk for sub in created]
    subs = {sub.email: sub for sub in created}
    for row in rows:
        if row.email in existing:
            _update_existing(existing[row.email], status=status, now=now, result=result)
            subs[row.email] = existing[row.email]
    _set_interests(rows, subs, zones=zones, topics=topics)
    return result


def _cells(row: Row) -> dict:
    cells = {}
    if row.zones is not None:
        cells["zones"] = "；".join(row.zones)
    if row.topics is not None:
        cells["topics"] = "；".join(row.topics)
    return cells


def _existing(emails: set[str]) -> dict[str, Subscriber]:
    found, ordered = {}, sorted(emails)
    for start in range(0, len(ordered), BATCH):
        found.update((s.email, s) for s in Subscriber.objects.select_for_update().filter(email__in=ordered[start:start + BATCH]))
    return found


def _update_existing(sub: Subscriber, *, status: str, now, result: ImportResult) -> None:
    """Only upwards from 待确认: a reader who left or paused, or an address that bounced or
    complained, stays as it is; a confirmed one is never set back to 待确认."""
    if sub.status in (Subscriber.Status.UNSUBSCRIBED, *Subscriber.STOPPED):
        result.kept_stopped += 1
        return
    if sub.status == Subscriber.Status.PENDING and status == Subscriber.Status.CONFIRMED:
        Subscriber.objects.filter(pk=sub.pk).update(status=status, confirmed_at=now)
    result.updated += 1


def _set_interests(rows: list[Row], subs: dict[str, Subscriber], *, zones: dict, topics: dict) -> None:
    """Replace each row's zones and topics where the file has the column, in bulk."""
    for relation, attribute, ids in (("zones", "zones", zones), ("topics", "topics", topics)):
        through = getattr(Subscriber, relation).through
        target = "zone_id" if relation == "zones" else "tag_id"
        chosen = [(subs[row.email].pk, getattr(row, attribute)) for row in rows if getattr(row, attribute) is not None]
        pks = [pk for pk, _names in chosen]
        for start in range(0, len(pks), BATCH):
            through.objects.filter(subscriber_id__in=pks[start:start + BATCH]).delete()
        key = (lambda name: name) if relation == "zones" else str.lower
        through.objects.bulk_create(
            through(subscriber_id=pk, **{target: ids[key(name)]}) for pk, names in chosen for name in names
        )
