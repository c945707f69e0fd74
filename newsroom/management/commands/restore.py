"""Replace the database and the media files with a backup's, after backing up the current state."""
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from newsroom import freshness
from newsroom.backups import (
    ENGINE_LABELS,
    BackupError,
    Database,
    backup_restore,
    media_of,
    opened_backup,
)
from newsroom.models import ContentVersion


class Command(BaseCommand):
    help = "从备份文件恢复数据库和媒体文件（会先备份当前状态）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（make backup 生成的 .tar.gz）")
        parser.add_argument(
            "--yes", "--noinput", "--no-input", action="store_false", dest="interactive",
            help="不询问，直接恢复",
        )

    def handle(self, *args, file, interactive, **options):
        database = Database.from_settings(connections["default"].settings_dict)
        served = self.served_version()
        directory = Path(settings.BACKUP_DIR)
        try:
            with opened_backup(Path(file), database=database, directory=directory) as backup:
                self.describe(backup, database=database)
                if interactive:
                    self.confirm()
                # The media of MEDIA_ROOT, or of the bucket when media are on S3.
                result = backup_restore(backup=backup, database=database, storage=default_storage, directory=directory)
        except BackupError as e:
            raise CommandError(str(e)) from None
        # Pages cached before the restore show what it replaced: a new content version retires
        # them. It goes past every number served before the restore, since the backup brings
        # back an older one. (A backup older than the version's table gets its row from
        # `make migrate`.)
        if self.has_version_table():
            freshness.bump(past=served)
        self.stdout.write(self.style.SUCCESS(_("已从 %(file)s 恢复。") % {"file": file}))
        self.stdout.write(_("恢复前的状态已备份到 %(path)s；要撤销这次恢复：make restore FILE=%(path)s")
                          % {"path": result.safety_backup})
        if result.pending_migrations:
            self.stdout.write(_("备份的数据库比当前程序少 %(count)s 个迁移：请运行 make migrate（make restore 会自动运行）。")
                              % {"count": len(result.pending_migrations)})

    def has_version_table(self) -> bool:
        return ContentVersion._meta.db_table in connections["default"].introspection.table_names()

    def served_version(self) -> int:
        if not self.has_version_table():
            return 0
        return ContentVersion.objects.filter(pk=freshness.ROW).values_list("number", flat=True).first() or 0

    def describe(self, backup, *, database) -> None:
        manifest = backup.manifest
        self.stdout.write(_("备份：%(file)s（%(engine)s，创建于 %(at)s，%(media)s 个媒体文件）") % {
            "file": backup.path, "engine": ENGINE_LABELS[manifest.engine],
            "at": manifest.created_local, "media": manifest.media_count,
        })
        self.stdout.write(_("将替换当前数据库 %(database)s 和媒体目录 %(media)s 的全部内容。")
                          % {"database": database.label, "media": media_of(storage=default_storage).label})

    def confirm(self) -> None:
        try:
            answer = input(_("输入 yes 确认恢复："))
        except EOFError:
            raise CommandError(_("需要确认：请在终端中运行并输入 yes，或加 --yes。")) from None
        if answer.strip().lower() not in {"yes", "y"}:
            raise CommandError(_("已取消，没有改变任何内容。"))
