"""The two newsroom roles as groups: 编辑 (editor) can do everything, 记者 (reporter) edits own drafts.

Row-level rules (a reporter edits only drafts that carry their byline) live in
articles.workflow; the groups grant the model permissions those rules start from.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, REPORTER = "编辑", "记者"
EDITOR_APPS = ["articles", "newsroom", "zones", "taggit"]
REPORTER_PERMISSIONS = [
    ("articles", "view_article"), ("articles", "add_article"), ("articles", "change_article"),
    ("articles", "view_byline"), ("articles", "add_byline"), ("articles", "change_byline"),
    ("articles", "delete_byline"),
    ("articles", "view_zonemention"), ("articles", "add_zonemention"), ("articles", "change_zonemention"),
    ("articles", "delete_zonemention"),
    ("newsroom", "view_issue"), ("newsroom", "view_reporter"),
    ("zones", "view_zone"), ("taggit", "view_tag"),
]


def ensure_permissions(apps) -> None:
    # Permissions are normally created after migrate; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.add(*Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))
    reporter, _ = Group.objects.get_or_create(name=REPORTER)
    for app_label, codename in REPORTER_PERMISSIONS:
        reporter.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, REPORTER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("articles", "0003_editing_workspace"),
        ("zones", "0002_load_reference_zones"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
