"""Queue the renditions of pictures that lack them, or of every picture, for the worker."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from newsroom.tasks import images_render_enqueue


class Command(BaseCommand):
    help = "为缺少或过期版本的图片排队生成版本（AVIF、WebP、JPEG），交给后台任务进程；--all 重做全部图片。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", dest="everything",
            help="所有图片都重新生成（例如修改了压缩质量之后）",
        )

    def handle(self, *args, everything, **options):
        count = images_render_enqueue(everything=everything)
        self.stdout.write(self.style.SUCCESS(_("已为 %(count)s 张图片排队生成版本，由后台任务进程完成。") % {"count": count}))
