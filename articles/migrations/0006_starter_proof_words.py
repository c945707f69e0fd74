"""A starter 校对 word list: misspellings every Chinese copy desk catches, editors extend it."""
from django.db import migrations

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


def add_words(apps, schema_editor):
    ProofWord = apps.get_model("articles", "ProofWord")
    existing = set(ProofWord.objects.values_list("word", flat=True))
    rows = [ProofWord(word=w, severity="block", replacement=r) for w, r in BLOCKED if w not in existing]
    rows += [ProofWord(word=w, severity="warn", replacement=r, note=n) for w, r, n in WARNED if w not in existing]
    ProofWord.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_proof_words")]

    operations = [migrations.RunPython(add_words, migrations.RunPython.noop)]
