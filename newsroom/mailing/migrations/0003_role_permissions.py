"""Who may do what with subscribers and mailings.

编辑 look after the subscribers (list, search, import, export) and see the sends; only
总编辑 may send an issue to the readers (mailing.send_mailing), which cannot be undone.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, CHIEF = "编辑", "总编辑"
EDITOR_CODENAMES = [
    "view_subscriber", "add_subscriber", "change_subscriber", "delete_subscriber",
    "view_mailing", "view_delivery",
]
CHIEF_CODENAMES = ["send_mailing"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; a fresh database needs them now.
    app_config = apps.get_app_config("mailing")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((EDITOR, EDITOR_CODENAMES), (CHIEF, CHIEF_CODENAMES)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="mailing", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, CHIEF]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="mailing"))


class Migration(migrations.Migration):
    dependencies = [
        ("mailing", "0002_delivery_claim"),
        ("newsroom", "0002_roles"),
        ("articles", "0008_default_review_stages"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
