"""Editors (编辑) see failed and successful sign-ins and can unlock a locked-out account.

Unlocking deletes the failure records of a username and address (django-axes), so 编辑
gets view and delete on them; 记者 gets nothing here and cannot see or unlock anything.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = "编辑"
EDITOR_PERMISSIONS = ["view_accessattempt", "delete_accessattempt", "view_accesslog"]


def ensure_permissions(apps) -> None:
    # Permissions are normally created after migrate; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=EDITOR_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for editor in Group.objects.filter(name=EDITOR):
        editor.permissions.remove(*Permission.objects.filter(content_type__app_label="axes", codename__in=EDITOR_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0003_issue_source_text_sha256"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
