"""Issue covers and reporters' photos move from plain files into the picture library.

Each existing file passes the same checks as an upload (newsroom.images.safety) and its
clean copy becomes an Image. A file that fails them, or is missing, is reported and left
where it is in storage (nothing is deleted), and the field is left empty.

The old columns go in 0008: PostgreSQL does not alter a table with foreign-key checks
still pending from this migration's updates in the same transaction.
"""
from django.db import migrations, models
import django.db.models.deletion


def move_files(apps, schema_editor):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from newsroom.images.safety import ImageRefused, inspect
    from newsroom.images.storing import master_name

    Image = apps.get_model("images", "Image")
    Issue = apps.get_model("newsroom", "Issue")
    Reporter = apps.get_model("newsroom", "Reporter")
    using = schema_editor.connection.alias

    def library_image(name, alt):
        try:
            with default_storage.open(name, "rb") as stored:
                inspected = inspect(stored.read())
        except (OSError, ImageRefused) as error:
            print(f"\n  {name}: {getattr(error, 'message', error)}; left in storage, not linked.")
            return None
        found = Image.objects.using(using).filter(sha256=inspected.sha256).first()
        if found:
            return found
        stored_name = default_storage.save(master_name(inspected.sha256, inspected.extension), ContentFile(inspected.master))
        return Image.objects.using(using).create(
            file=stored_name, title=alt, alt=alt, width=inspected.width, height=inspected.height,
            bytes=len(inspected.master), sha256=inspected.sha256, format=inspected.format,
        )

    for issue in Issue.objects.using(using).exclude(cover="").exclude(cover__isnull=True):
        issue.cover_image = library_image(issue.cover.name, f"第{issue.number}期封面")
        issue.save(update_fields=["cover_image"])
    for reporter in Reporter.objects.using(using).exclude(photo="").exclude(photo__isnull=True):
        reporter.photo_image = library_image(reporter.photo.name, f"{reporter.name}的照片")
        reporter.save(update_fields=["photo_image"])


class Migration(migrations.Migration):
    dependencies = [
        ("images", "0001_initial"),
        ("newsroom", "0006_archive_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="issue",
            name="cover_image",
            field=models.ForeignKey(null=True, blank=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="images.image"),
        ),
        migrations.AddField(
            model_name="reporter",
            name="photo_image",
            field=models.ForeignKey(null=True, blank=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="images.image"),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop, elidable=False),
    ]
