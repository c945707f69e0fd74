"""The old file columns go; the library's columns take their names (after 0007 moved the files)."""
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0007_pictures_in_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="issue", name="cover"),
        migrations.RemoveField(model_name="reporter", name="photo"),
        migrations.RenameField(model_name="issue", old_name="cover_image", new_name="cover"),
        migrations.RenameField(model_name="reporter", old_name="photo_image", new_name="photo"),
        migrations.AlterField(
            model_name="issue",
            name="cover",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="issue_covers", to="images.image", verbose_name="封面"),
        ),
        migrations.AlterField(
            model_name="reporter",
            name="photo",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="reporter_photos", to="images.image", verbose_name="照片"),
        ),
    ]
