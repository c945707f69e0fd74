"""Export an issue as JSON or as issue text."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from newsroom.exporting import TextExportRefused, issue_export_data, issue_export_text
from newsroom.models import Issue


class Command(BaseCommand):
    help = "导出一期：JSON（默认）或纯文本格式（只在能原样重新导入时输出）。"

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="期号")
        parser.add_argument("--format", choices=["json", "text"], default="json", help="输出格式")
        parser.add_argument(
            "--images", type=Path, metavar="DIR", help="纯文本格式：把图片行所指的图片文件写到这个目录（import_issue --images 读回）"
        )

    def handle(self, *args, number, format, images, **options):
        issue = Issue.objects.filter(number=number).first()
        if issue is None:
            raise CommandError(f"第 {number} 期不存在。")
        if format == "json":
            if images is not None:
                raise CommandError("--images 只用于 --format text。")
            self.stdout.write(json.dumps(issue_export_data(issue), ensure_ascii=False, indent=2))
            return
        try:
            self.stdout.write(issue_export_text(issue, images_dir=images), ending="")
        except TextExportRefused as refused:
            for line in refused.problems:
                self.stderr.write(line)
            raise CommandError(
                _("%(issue)s不能导出为文本：文本格式保存不了上面列出的内容。请改用 --format json 导出，或用 make backup 做完整备份。")
                % {"issue": issue}
            ) from None
