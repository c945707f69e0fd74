"""Store each article's summary and card, which public pages show instead of parsing the
body and prefetching bylines, zones and topics on every request; fill them for every row."""
from django.db import migrations, models

from articles.body import summary_text

SUMMARY_CHARS = 200  # articles.models.SUMMARY_CHARS when this migration was written
BATCH = 500


def cards_of(apps, using, ids):
    """The same cards as articles.models.article_cards, from the historical models."""
    Byline = apps.get_model("articles", "Byline")
    ZoneMention = apps.get_model("articles", "ZoneMention")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    cards = {pk: {"bylines": [], "zones": [], "topics": []} for pk in ids}
    bylines = Byline.objects.using(using).filter(article_id__in=ids).order_by("position", "id")
    for article_id, name, role, slug in bylines.values_list("article_id", "reporter__name", "role", "reporter__slug"):
        cards[article_id]["bylines"].append({"name": name, "role": role, "slug": slug})
    mentions = ZoneMention.objects.using(using).filter(article_id__in=ids).order_by("zone__province", "zone__name")
    for article_id, pk, name, slug in mentions.values_list("article_id", "zone_id", "zone__name", "zone__slug"):
        cards[article_id]["zones"].append({"id": pk, "name": name, "slug": slug})
    tagged = TaggedItem.objects.using(using).filter(
        content_type__app_label="articles", content_type__model="article", object_id__in=ids
    ).order_by("pk")
    for article_id, pk, name, slug in tagged.values_list("object_id", "tag_id", "tag__name", "tag__slug"):
        cards[article_id]["topics"].append({"id": pk, "name": name, "slug": slug})
    return cards


def fill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    using = schema_editor.connection.alias
    articles = Article.objects.using(using)
    ids = list(articles.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        cards = cards_of(apps, using, chunk)
        rows = list(articles.filter(pk__in=chunk).only("pk", "standfirst", "body"))
        for row in rows:
            row.summary = summary_text(standfirst=row.standfirst, body=row.body)[: SUMMARY_CHARS + 1]
            row.card = cards[row.pk]
        articles.bulk_update(rows, ["summary", "card"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_retokenize_rare_han"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="summary",
            field=models.TextField(
                blank=True, editable=False, help_text="导语或正文第一段的开头，纯文本。", verbose_name="摘要"
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="card",
            field=models.JSONField(
                blank=True, default=dict, editable=False,
                help_text="署名、高新区和话题的名称与网址别名，供公开页面直接显示。", verbose_name="卡片数据",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # Related articles walk a zone's or a topic's newest links; SQLite's single-column
        # index holds the row id already, PostgreSQL's does not.
        migrations.AddIndex(
            model_name="zonemention",
            index=models.Index(fields=["zone", "id"], name="zonemention_zone_newest"),
        ),
        # taggit's model is not ours to give a Meta index, so the topic's index is SQL.
        migrations.RunSQL(
            "CREATE INDEX taggeditem_tag_newest ON taggit_taggeditem (tag_id, id)",
            "DROP INDEX taggeditem_tag_newest",
        ),
    ]
