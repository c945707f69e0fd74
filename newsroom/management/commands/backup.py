"""Back up the database and the media files into one file."""
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from newsroom.backups import BackupError, Database, backup_create


class Command(BaseCommand):
    help = "备份数据库和媒体文件，写成备份目录（默认 backups/）中的一个文件。"

    def handle(self, *args, **options):
        try:
            path = backup_create(
                database=Database.from_settings(connections["default"].settings_dict),
                storage=default_storage,  # MEDIA_ROOT, or the bucket when media are on S3
                directory=Path(settings.BACKUP_DIR),
            )
        except BackupError as e:
            raise CommandError(str(e)) from None
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(_("已备份到 %(path)s（%(size)s 字节）") % {"path": path, "size": size}))
