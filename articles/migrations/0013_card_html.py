"""Store each article's card HTML (articles.card_html), which list pages join instead of
rendering three templates and reversing URLs per card; fill it for every row."""
from django.db import migrations, models

from articles.card_html import stored_fragments

BATCH = 500


def fill(apps, schema_editor):
    # The renderer of the running code, not a copy: the stored HTML must be what the pages
    # of this code expect. It reads only plain fields, which the historical rows have.
    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    # Every save gives a slug; a row without one has no URL to link, as before this migration.
    ids = list(articles.exclude(slug="").order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rows = list(
            articles.filter(pk__in=ids[start : start + BATCH]).only(
                "pk", "slug", "kicker", "headline", "subheadline", "summary", "card"
            )
        )
        for row in rows:
            row.card_html = stored_fragments(row)
        articles.bulk_update(rows, ["card_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_search_plain_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="card_html",
            field=models.JSONField(
                blank=True, default=dict, editable=False,
                help_text="列表页直接显示的卡片片段：引题、标题链接、副题、摘要和署名。", verbose_name="卡片 HTML",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
