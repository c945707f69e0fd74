"""Indexes for the public pages of a large archive (issue 11): every lookup and count a page
makes starts from an index that holds the visibility rule's columns, so none reads the
article rows (with their bodies) it does not show."""
from django.db import migrations, models

# taggit's TaggedItem is not ours to give Meta indexes; a topic's page and count read its
# articles' ids from this one alone (taggit's own index on tag_id holds only the tag).
TAGGED_INDEX = "taggit_taggeditem_tag_object_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_article_summary_card"),
        ("newsroom", "0005_content_version"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("zones", "0002_load_reference_zones"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="articles_ar_status_9815d6_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["status", "publish_at", "id", "issue"], name="article_visible_idx"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["issue", "status", "publish_at"], name="article_issue_visible_idx"),
        ),
        migrations.AddIndex(
            model_name="byline",
            index=models.Index(fields=["reporter", "article"], name="byline_reporter_article_idx"),
        ),
        migrations.AddIndex(
            model_name="zonemention",
            index=models.Index(fields=["zone", "article"], name="zonemention_zone_article_idx"),
        ),
        migrations.RunSQL(
            f"CREATE INDEX {TAGGED_INDEX} ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            f"DROP INDEX {TAGGED_INDEX}",
        ),
    ]
