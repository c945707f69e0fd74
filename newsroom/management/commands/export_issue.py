"""Export an issue as JSON or as issue text."""
import json

from django.core.management.base import BaseCommand, CommandError

from newsroom.exporting import issue_export_data, issue_export_text
from newsroom.models import Issue


class Command(BaseCommand):
    help = "导出一期：JSON（默认）或可重新导入的纯文本格式。"

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="期号")
        parser.add_argument("--format", choices=["json", "text"], default="json", help="输出格式")

    def handle(self, *args, number, format, **options):
        issue = Issue.objects.filter(number=number).first()
        if issue is None:
            raise CommandError(f"第 {number} 期不存在。")
        if format == "text":
            self.stdout.write(issue_export_text(issue), ending="")
        else:
            self.stdout.write(json.dumps(issue_export_data(issue), ensure_ascii=False, indent=2))
