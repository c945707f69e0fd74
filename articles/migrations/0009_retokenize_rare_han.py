"""Re-tokenize the articles whose text has Han characters outside the Basic Multilingual Plane.

The Han range became the one of newsroom.text.han, which includes the CJK extension
blocks B to I (rare characters of names, such as 𠮷). The tokenizer used to keep such a
character as a word of its own; it now forms bigrams with its neighbours, as every other
Han character does. Without this, a search for 𠮷野 would miss articles indexed before.
Only those articles are rewritten; search_text of the others is unchanged.
"""
from django.db import migrations

from articles.search.tokenize import article_search_text
from newsroom.text.han import is_han


def has_rare_han(text: str) -> bool:
    return any(ch > "\uffff" and is_han(ch) for ch in text)


def retokenize(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    pks = [a.pk for a in articles.only("pk", "search_text").iterator(chunk_size=500) if has_rare_han(a.search_text)]
    for article in articles.filter(pk__in=pks).prefetch_related("reporters", "zones"):
        text = article_search_text(
            article,
            reporter_names=[r.name for r in article.reporters.all()],
            zone_names=[z.name for z in article.zones.all()],
        )
        articles.filter(pk=article.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_default_review_stages")]

    operations = [migrations.RunPython(retokenize, migrations.RunPython.noop, elidable=True)]
