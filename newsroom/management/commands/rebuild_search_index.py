"""Rebuild the full-text search index from every article, here or on the background worker."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from newsroom.tasks import rebuild_search_index, search_index_rebuild


class Command(BaseCommand):
    help = "重建全文检索索引：重新计算每篇文章的检索文本，再据此重建索引。"

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="数据库别名（默认：default）")
        parser.add_argument("--batch-size", type=int, default=500, help="每批写入的文章数")
        parser.add_argument(
            "--background", action="store_true",
            help="不在此处重建，而是交给后台任务进程（make run 或 make worker）执行",
        )

    def handle(self, *args, **options):
        if options["background"]:
            if options["database"] != "default":
                raise CommandError("--background 只能重建默认数据库的索引（后台任务进程只连接它）。")
            result = rebuild_search_index.enqueue()
            self.stdout.write(self.style.SUCCESS(f"已将重建检索索引加入后台任务队列（任务 {result.id}）。"))
            return

        def progress(rows, total):
            return tqdm(rows, total=total, desc="重建索引", unit="篇", file=self.stderr,
                        disable=options["verbosity"] == 0)

        count = search_index_rebuild(using=options["database"], batch_size=options["batch_size"],
                                     progress=progress)
        self.stdout.write(self.style.SUCCESS(f"已重建 {count} 篇文章的检索索引。"))
