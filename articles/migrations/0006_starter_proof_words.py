"""A starter 校对 word list, which 编辑 maintain in the admin (记者 may read it)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR, REPORTER = "编辑", "记者"
EDITOR_PERMISSIONS = ["view_proofword", "add_proofword", "change_proofword", "delete_proofword"]

# (wrong, right): set phrases that only ever appear misspelled in these forms.
BLOCKED = [
    ("再接再励", "再接再厉"), ("一股作气", "一鼓作气"), ("迫不急待", "迫不及待"),
    ("按步就班", "按部就班"), ("谈笑风声", "谈笑风生"), ("出奇不意", "出其不意"),
    ("走头无路", "走投无路"), ("默守成规", "墨守成规"), ("金榜提名", "金榜题名"),
    ("一愁莫展", "一筹莫展"), ("穿流不息", "川流不息"), ("美仑美奂", "美轮美奂"),
    ("鬼鬼崇崇", "鬼鬼祟祟"), ("兴高彩烈", "兴高采烈"), ("针贬时弊", "针砭时弊"),
    ("名信片", "明信片"), ("天翻地复", "天翻地覆"), ("声名雀起", "声名鹊起"),
    ("不径而走", "不胫而走"), ("变本加利", "变本加厉"), ("世外桃园", "世外桃源"),
    ("蛛丝蚂迹", "蛛丝马迹"), ("莫明其妙", "莫名其妙"), ("精兵减政", "精兵简政"),
    ("滥芋充数", "滥竽充数"), ("弱不经风", "弱不禁风"), ("既往不究", "既往不咎"),
    ("发韧", "发轫"),
]
# (word, suggestion, why): usage the desk prefers, never blocking.
WARNED = [
    ("截止目前", "截至目前", "“截至”后接时间点"),
    ("截止到目前", "截至目前", "“截至”后接时间点"),
    ("做为", "作为", ""),
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; a fresh database needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="articles", codename__in=EDITOR_PERMISSIONS)
    Group.objects.get_or_create(name=EDITOR)[0].permissions.add(*perms)
    Group.objects.get_or_create(name=REPORTER)[0].permissions.add(*perms.filter(codename="view_proofword"))


def add_words(apps, schema_editor):
    ProofWord = apps.get_model("articles", "ProofWord")
    existing = set(ProofWord.objects.values_list("word", flat=True))
    rows = [ProofWord(word=w, severity="block", replacement=r) for w, r in BLOCKED if w not in existing]
    rows += [ProofWord(word=w, severity="warn", replacement=r, note=n) for w, r, n in WARNED if w not in existing]
    ProofWord.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_proof_words"),
        ("newsroom", "0004_editors_unlock_sign_ins"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_words, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
