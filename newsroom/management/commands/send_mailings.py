"""Continue the mailings whose send was interrupted (a worker killed, a machine restarted)."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from newsroom.mailing.sending import INTERRUPTED_AFTER
from newsroom.tasks import mailings_resume

MAX_MINUTES = 60 * 24 * 366  # a year: older than any send anyone would still finish
DEFAULT_MINUTES = INTERRUPTED_AFTER.total_seconds() / 60


class Command(BaseCommand):
    help = "继续发送被中断的邮件（发送进程停止后没有进展的邮件）；可能已发出的收件人不会重发。"

    def add_arguments(self, parser):
        parser.add_argument("--resume", action="store_true", help="把被中断的邮件重新交给后台任务进程继续发送")
        parser.add_argument("--older-than", type=float, default=DEFAULT_MINUTES,
                            help=f"多少分钟没有进展算作中断（默认：{DEFAULT_MINUTES:g}）")

    def handle(self, *args, **options):
        if not options["resume"]:
            raise CommandError("请指定 --resume。")
        # nan, inf and 1e300 parse as floats and then fail inside timedelta with a traceback.
        if not 0 <= options["older_than"] <= MAX_MINUTES:
            raise CommandError(f"--older-than 须在 0 到 {MAX_MINUTES} 分钟之间。")
        ids = mailings_resume(older_than=datetime.timedelta(minutes=options["older_than"]))
        self.stdout.write(self.style.SUCCESS(f"已将 {len(ids)} 个被中断的邮件发送交给后台任务进程继续。"))
