"""Every new database knows the national high-tech zones of the reference list."""
from django.db import migrations

from zones.reference import load_reference_zones


def forwards(apps, schema_editor):
    load_reference_zones(apps.get_model("zones", "Zone"))


class Migration(migrations.Migration):
    dependencies = [("zones", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
