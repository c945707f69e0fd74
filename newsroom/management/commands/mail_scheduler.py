"""The mail scheduler `manage.py serve` runs beside gunicorn and the worker: every minute it
asks the worker for what is due (the day's digest; interrupted mailings)."""
import math
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from newsroom.tasks import MailScheduler


class Command(BaseCommand):
    help = (
        "邮件定时任务：每分钟检查一次，到了每天的提醒时间（NEWSROOM_DIGEST_HOUR，默认 8 点）就把当天的"
        "高新区与话题提醒交给后台任务进程；SIGTERM 或 Ctrl-C 停止。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="两次检查之间的秒数（默认：60）")
        parser.add_argument("--once", action="store_true", help="只检查一次就退出")

    def handle(self, *args, **options):
        if options["interval"] <= 0:
            raise CommandError("--interval 必须大于 0。")
        # float() also reads "nan" and "inf", on which Event.wait fails.
        if not math.isfinite(options["interval"]) or options["interval"] > 86400:
            raise CommandError("--interval 不能超过 86400 秒（一天）。")
        if options["once"]:
            self._check(MailScheduler())
            return
        stop = threading.Event()
        # A stop between two checks ends the wait at once; one during a check lets it finish.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stop.set())
        scheduler = MailScheduler()
        while True:
            self._check(scheduler)
            # A connection kept between checks a minute apart would outlive the server's patience.
            close_old_connections()
            if stop.wait(options["interval"]):
                return

    def _check(self, scheduler: MailScheduler) -> None:
        try:
            asked = scheduler.tick(timezone.now())
        except DatabaseError as error:
            # A database restarting must not end the scheduler: `manage.py serve` would take
            # the site down with it. The next check tries again.
            self.stderr.write(f"{timezone.localtime():%Y-%m-%d %H:%M} 数据库暂时不可用，下次再试：{error}")
            return
        for name in asked:
            self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} 已交给后台任务进程：{name}")
