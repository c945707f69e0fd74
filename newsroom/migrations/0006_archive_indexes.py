"""The issue archive's index: published issues newest first (issue 11)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0005_content_version")]

    operations = [
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(fields=["status", "number"], name="issue_status_number_idx"),
        ),
    ]
