"""Rebuild the full-text search index from every article."""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.models import Article
from articles.search.index import rebuild
from newsroom.freshness import content_changed


class Command(BaseCommand):
    help = "重建全文检索索引：重新计算每篇文章的检索文本，再据此重建索引。"

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="数据库别名（默认：default）")
        parser.add_argument("--batch-size", type=int, default=500, help="每批写入的文章数")

    def handle(self, *args, **options):
        def progress(rows, total):
            return tqdm(rows, total=total, desc="重建索引", unit="篇", file=self.stderr,
                        disable=options["verbosity"] == 0)

        articles = Article.objects.using(options["database"])
        count = rebuild(articles=articles, batch_size=options["batch_size"], progress=progress)
        # The rebuild writes in bulk, past the signals: search pages cached before it go now.
        content_changed(using=options["database"])
        self.stdout.write(self.style.SUCCESS(f"已重建 {count} 篇文章的检索索引。"))
