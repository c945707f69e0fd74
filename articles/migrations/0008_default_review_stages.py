"""The default 三审: 初审 (责任编辑), 复审 (编辑部主任), 终审 (总编辑), each held by its own group."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

STAGES = [(1, "初审", "责任编辑"), (2, "复审", "编辑部主任"), (3, "终审", "总编辑")]
# Reviewers read and comment on articles and issues; editing stays with the 编辑 group.
REVIEWER_PERMISSIONS = [
    ("articles", "view_article"), ("articles", "view_signoff"), ("newsroom", "view_issue"),
]


def create_stages(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ReviewStage = apps.get_model("articles", "ReviewStage")
    permissions = [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in REVIEWER_PERMISSIONS]
    for order, name, role in STAGES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*permissions)
        ReviewStage.objects.get_or_create(name=name, defaults={"role": role, "group": group, "order": order})


def remove_stages(apps, schema_editor):
    apps.get_model("articles", "ReviewStage").objects.filter(name__in=[s[1] for s in STAGES]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=[s[2] for s in STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_review_stages"), ("newsroom", "0004_editors_unlock_sign_ins")]

    operations = [migrations.RunPython(create_stages, remove_stages)]
