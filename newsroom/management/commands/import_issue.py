"""Import issues from the plain-text issue format."""
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from newsroom.importing.files import issue_files, read_issue_file
from newsroom.importing.loader import ImportFailed, database_error_message, import_issue
from newsroom.importing.report import (
    article_lines,
    duplicate_lines,
    picture_lines,
    summary_line,
    warning_lines,
)


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def images_directory(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise CommandError(f"图片目录不存在或不是目录：{value}")
    return path


class BarStream:
    """The command's stderr as tqdm needs it: tqdm writes partial lines ("\r…") itself,
    which Django's output wrapper would otherwise end with a newline each."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


def as_failure(path: Path, error: Exception) -> ImportFailed:
    if isinstance(error, ImportFailed):
        return error
    # A database error before the import's own transaction (which reports its own): the
    # database is down or not migrated. One line, like any other failure.
    return ImportFailed(path.name, database_error_message(error))


class Command(BaseCommand):
    help = "从纯文本文件导入期刊（目录则导入其中所有 *.txt，按文件名顺序）。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="期刊文本文件或目录")
        parser.add_argument("--number", type=int, help="期号（默认：下一个未用的期号；多个文件时依次递增）")
        parser.add_argument("--date", type=iso_date, help="出版日期 YYYY-MM-DD（默认：北京时间今天）")
        parser.add_argument("--title", help="本期标题")
        parser.add_argument("--publish", action="store_true", help="导入后直接发布")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将会做什么，不写入")
        parser.add_argument("--force", action="store_true", help="覆盖编辑修改过的文章")
        parser.add_argument("--allow-duplicate", action="store_true", help="内容与已有的某一期相同时仍然导入为新的一期")
        parser.add_argument("--images", type=images_directory, metavar="DIR", help="图片行（[图：文件名 说明]）所指图片所在的目录")

    def handle(self, *args, **options):
        files, failures = issue_files(options["paths"])
        # With one file, its failure is the command's error: one line, not two.
        single = len(files) + len(failures) == 1
        for failure in failures if not single else []:
            self.stderr.write(self.style.ERROR(str(failure)))
        stream = BarStream(self.stderr)
        progress = tqdm(files, desc="导入", unit="个文件", file=stream, disable=len(files) < 2)
        for k, path in enumerate(progress):
            number = options["number"] + k if options["number"] is not None else None
            try:
                self.import_file(path, number=number, options=options)
            except (ImportFailed, DatabaseError) as error:
                failures.append(as_failure(path, error))
                if not single:  # above the progress bar, not through it
                    tqdm.write(self.style.ERROR(str(failures[-1])), file=stream)
        if failures:
            raise CommandError(str(failures[0]) if single else f"{len(failures)} 个文件导入失败。")

    def import_file(self, path: Path, *, number, options) -> None:
        result = import_issue(
            data=read_issue_file(path, max_bytes=settings.IMPORT_MAX_BYTES),
            source_name=path.name,
            number=number,
            date=options["date"],
            title=options["title"],
            publish=options["publish"],
            force=options["force"],
            allow_duplicate=options["allow_duplicate"],
            dry_run=options["dry_run"],
            images_dir=options["images"],
        )
        self.stdout.write(self.style.SUCCESS(summary_line(result)))
        for line in article_lines(result) + picture_lines(result) + warning_lines(result):
            self.stdout.write(line)
        if result.dry_run:
            for line in duplicate_lines(result):
                self.stdout.write(self.style.WARNING(f"  {line}"))
