"""Serve the site with gunicorn and run the background task worker and the mail scheduler
beside it, as one command."""
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsroom.management.supervisor import supervise


class Command(BaseCommand):
    help = (
        "用 gunicorn 提供网站，同时运行后台任务进程（db_worker）和邮件定时任务（mail_scheduler）；"
        "Ctrl-C 或 SIGTERM 停止全部，其中一个退出时也停止其余的。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--config", default=os.environ.get("GUNICORN_CONFIG", "newsroom/gunicorn.conf.py"),
            help="gunicorn 配置文件（默认：环境变量 GUNICORN_CONFIG，否则 newsroom/gunicorn.conf.py）",
        )

    def handle(self, *args, **options):
        root = settings.BASE_DIR
        config = root / options["config"]
        if not config.is_file():
            raise CommandError(f"找不到 gunicorn 配置文件：{options['config']}")
        commands = {
            "gunicorn": [sys.executable, "-m", "gunicorn", "--config", str(config)],
            # Its reloader would add a process that our SIGTERM does not reach.
            "worker": [sys.executable, str(root / "manage.py"), "db_worker", "--no-reload"],
            # The day's digest and resuming interrupted sends: it asks, the worker sends.
            "scheduler": [sys.executable, str(root / "manage.py"), "mail_scheduler"],
        }
        code = supervise(commands, cwd=root, log=self.stdout.write)
        if code:
            raise CommandError(f"已停止（退出码 {code}）。", returncode=code)
