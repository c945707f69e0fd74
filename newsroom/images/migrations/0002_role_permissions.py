"""The picture library in the two newsroom roles: 编辑 manage it, 记者 look pictures up and add them.

The roles migration (newsroom 0002) granted the apps that existed then; this app came later.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, REPORTER = "编辑", "记者"
EDITOR_CODENAMES = ["add_image", "change_image", "delete_image", "view_image", "view_rendition"]
REPORTER_CODENAMES = ["add_image", "view_image"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; a fresh database needs them now.
    app_config = apps.get_app_config("images")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((EDITOR, EDITOR_CODENAMES), (REPORTER, REPORTER_CODENAMES)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="images", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, REPORTER]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="images"))


class Migration(migrations.Migration):
    dependencies = [
        ("images", "0001_initial"),
        ("newsroom", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
