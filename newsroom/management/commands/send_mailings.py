"""Continue the mailings whose send was interrupted (a worker killed, a machine restarted)."""
import datetime
import math

from django.core.management.base import BaseCommand, CommandError

from newsroom.mailing.sending import INTERRUPTED_AFTER
from newsroom.tasks import mailings_resume

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
        # float() also reads "nan" and "inf", which no duration can be.
        if not (math.isfinite(options["older_than"]) and 0 <= options["older_than"] <= 525_600):
            raise CommandError("--older-than 须是 0 到 525600（一年）之间的分钟数。")
        ids = mailings_resume(older_than=datetime.timedelta(minutes=options["older_than"]))
        self.stdout.write(self.style.SUCCESS(f"已将 {len(ids)} 个被中断的邮件发送交给后台任务进程继续。"))
