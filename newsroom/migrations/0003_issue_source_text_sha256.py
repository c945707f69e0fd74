"""Issue.source_text_sha256: the hash of the issue's text with its line ends made LF.

Two files with the same text (one in UTF-8 with LF, one in GB18030 with CRLF) have
different bytes but the same text; imports compare this hash to refuse a second copy.
Issues imported before this migration get it from the source text they kept.
"""
import hashlib

from django.db import migrations, models


def text_sha256(text: str) -> str:
    # Frozen copy of newsroom.importing.loader.text_fingerprint as of this migration.
    return hashlib.sha256(text.replace("\r\n", "\n").replace("\r", "\n").encode()).hexdigest()


def fill_hashes(apps, schema_editor):
    Issue = apps.get_model("newsroom", "Issue")
    for issue in Issue.objects.exclude(source_text="").only("pk", "source_text").iterator(chunk_size=100):
        Issue.objects.filter(pk=issue.pk).update(source_text_sha256=text_sha256(issue.source_text))


class Migration(migrations.Migration):

    dependencies = [
        ("newsroom", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="issue",
            name="source_text_sha256",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="统一换行符后的源文本的 SHA-256。",
                max_length=64,
                verbose_name="源文本 SHA-256",
            ),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
    ]
