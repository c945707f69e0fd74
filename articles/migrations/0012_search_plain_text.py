"""Store each article's plain text, which search results cut their snippets from instead of
parsing every hit's body on every request; fill it for every row."""
from django.db import migrations, models

from articles.body import plain_text

BATCH = 500


def fill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    ids = list(articles.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rows = list(articles.filter(pk__in=ids[start : start + BATCH]).only("pk", "standfirst", "body"))
        for row in rows:
            row.plain_text = plain_text(standfirst=row.standfirst, body=row.body)
        articles.bulk_update(rows, ["plain_text"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_archive_indexes")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="plain_text",
            field=models.TextField(
                blank=True, editable=False, help_text="导语和正文的纯文本，供搜索结果摘录。", verbose_name="纯文本"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
