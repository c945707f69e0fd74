"""Who may do what with the editions.

编辑 edit the site information and see the print editions and pushes; 总编辑 also make
the print edition again (editions.print_edition) and push to the 公众号's 草稿箱
(editions.push_wechat), which puts the newsletter's name on a draft the account's
other operators see."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, CHIEF = "编辑", "总编辑"
EDITOR_CODENAMES = ["view_siteinfo", "add_siteinfo", "change_siteinfo", "view_printedition", "view_wechatpush"]
CHIEF_CODENAMES = [*EDITOR_CODENAMES, "print_edition", "push_wechat"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; a fresh database needs them now.
    app_config = apps.get_app_config("editions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((EDITOR, EDITOR_CODENAMES), (CHIEF, CHIEF_CODENAMES)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="editions", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, CHIEF]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="editions"))


class Migration(migrations.Migration):
    dependencies = [
        ("editions", "0001_initial"),
        ("newsroom", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
