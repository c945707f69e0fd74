"""Synthetic archive: N articles in issues of 50, for the benchmarks of issue 11 (archive scale).

Not a test. Usage, against an already migrated database (from the project folder):

    DATABASE_URL=sqlite:///var/bench/archive.sqlite3 .venv/bin/python bench/synth.py --articles 100000
    DATABASE_URL=postgres://newsroom:newsroom@127.0.0.1:55440/newsroom_bench \\
        .venv/bin/python bench/synth.py --articles 100000

or from another bench script, once Django is set up: `synthesize(articles=100_000)`.

What it makes, all added to what the database already holds:
- issues of 50 articles, numbered after the highest existing one, one a week going back
  from today (the oldest first), all published;
- articles with headlines from the seed's headings and the zone names, bodies of the seed's
  sentences (each naming its zones), one or two bylines from a pool of 200 reporters, one to
  three zone mentions, up to three topics from a pool of 300; about 2% drafts, 1% archived,
  and 0.5% published but scheduled up to 30 days ahead;
- every stored field an article derives (the sanitized body, summary, slug, `search_text`,
  the card) through the same `Article.compute_derived()` and `refresh_cards()` that the
  bulk import calls, so list pages, search and related articles see what they would see
  after a real import (the full-text index follows from `search_text`: triggers on
  SQLite, a generated column on PostgreSQL).

Rows go in with bulk_create in batches, one transaction a batch, so no model signal runs:
content_changed() is called once at the end.
"""
import argparse
import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ISSUE_SIZE = 50
REPORTERS = 200
TOPICS = 300
BATCH = 2000
SENTENCE_RE = re.compile(r"[^。！？]*[。！？]”?")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "明华建国立新志强伟芳秀英敏静丽军平刚桂兰玉珍海燕文博晓宇浩然思远嘉欣子涵雨轩琴林保"
TOPIC_HEADS = ("科技创新", "招商引资", "人才引进", "数字经济", "绿色低碳", "产业链", "专精特新", "营商环境",
               "智能制造", "生物医药", "新能源", "集成电路", "人工智能", "低空经济", "新材料")
TOPIC_TAILS = ("政策", "观察", "调研", "案例", "数据", "访谈", "动态", "前沿", "报告", "评论",
               "一线", "聚焦", "速览", "解读", "实践", "对话", "年报", "榜单", "论坛", "展望")


def seed_material() -> tuple[list[str], list[str]]:
    """The seed issue's sentences and its short heading-like lines."""
    text = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8-sig")
    flat = re.sub(r"\s+", "", text)
    sentences = [s for s in SENTENCE_RE.findall(flat) if len(s) >= 8]
    lines = [line.strip() for line in text.splitlines()]
    headings = [line for line in lines if 4 <= len(line) <= 24 and not line.endswith(("。", "！", "？"))]
    return sentences, [h for h in headings if not h.startswith("►")]


def _reporters(rng):
    from newsroom.models import Reporter
    from newsroom.text.slugs import pinyin_slug

    taken = set(Reporter.objects.values_list("name", flat=True))
    slugs = set(Reporter.objects.values_list("slug", flat=True))
    made = []
    while len(made) < REPORTERS:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        if name in taken:
            continue
        taken.add(name)
        slug, n = pinyin_slug(name), 2
        base = slug
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        made.append(Reporter(name=name, slug=slug))
    return Reporter.objects.bulk_create(made)


def _topics():
    from taggit.models import Tag

    from newsroom.text.slugs import pinyin_slug

    names = [f"{head}{tail}" for head in TOPIC_HEADS for tail in TOPIC_TAILS][:TOPICS]
    existing = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
    Tag.objects.bulk_create([Tag(name=n, slug=pinyin_slug(n)) for n in names if n not in existing])
    return list(Tag.objects.filter(name__in=names))


def _issues(count: int, now):
    from newsroom.models import Issue

    first = (Issue.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    issues = []
    for i in range(count):
        # The newest issue is last week's, so a seed imported today stays the front page's.
        when = now - timedelta(weeks=count - i)
        issues.append(Issue(number=first + i, date=when.date(), title=f"第{first + i}期",
                            status=Issue.Status.PUBLISHED, published_at=when))
    return Issue.objects.bulk_create(issues)


class Material:
    """Everything an article is drawn from."""

    def __init__(self, rng, *, reporters, zones, tags):
        self.rng = rng
        self.sentences, self.headings = seed_material()
        self.reporters, self.zones, self.tags = reporters, zones, tags

    def article(self, *, issue, position: int, now):
        from articles.models import Article

        rng = self.rng
        zones = rng.sample(self.zones, rng.choice((1, 1, 2, 3)))
        paragraphs = ["".join(rng.choices(self.sentences, k=rng.randint(2, 4))) for _ in range(rng.randint(3, 6))]
        for zone in zones:
            paragraphs[rng.randrange(len(paragraphs))] += f"{zone.name}相关负责人介绍了最新进展。"
        headline = f"{zones[0].name}{rng.choice(self.headings)}"[:200]
        status, publish_at = Article.Status.PUBLISHED, issue.published_at + timedelta(minutes=position)
        roll = rng.random()
        if roll < 0.02:
            status = Article.Status.DRAFT
        elif roll < 0.03:
            status = Article.Status.ARCHIVED
        elif roll < 0.035:
            publish_at = now + timedelta(minutes=rng.randint(60, 30 * 24 * 60))
        reporters = rng.sample(self.reporters, rng.choice((1, 1, 2)))
        article = Article(issue=issue, position=position, headline=headline, status=status, publish_at=publish_at,
                          body="".join(f"<p>{p}</p>" for p in paragraphs))
        # Names in the order article_search_text() reads them (Reporter's and Zone's ordering).
        article.compute_derived(reporter_names=sorted(r.name for r in reporters),
                                zone_names=[z.name for z in sorted(zones, key=lambda z: (z.province, z.name))])
        tags = rng.sample(self.tags, rng.choice((0, 1, 1, 2, 3)))
        return article, reporters, zones, tags


def _write_batch(drafted, content_type) -> None:
    from django.db import transaction
    from taggit.models import TaggedItem

    from articles.models import Article, Byline, ZoneMention

    with transaction.atomic():
        articles = Article.objects.bulk_create([a for a, *_ in drafted])
        bylines, mentions, taggings = [], [], []
        for article, (_, reporters, zones, tags) in zip(articles, drafted, strict=True):
            bylines += [Byline(article=article, reporter=r, position=i) for i, r in enumerate(reporters, 1)]
            mentions += [ZoneMention(article=article, zone=z, mentions=1) for z in zones]
            taggings += [TaggedItem(tag=t, content_type=content_type, object_id=article.pk) for t in tags]
        Byline.objects.bulk_create(bylines)
        ZoneMention.objects.bulk_create(mentions)
        TaggedItem.objects.bulk_create(taggings)
        # The cards show the bylines, zones and topics just written, as after an import.
        Article.objects.filter(pk__in=[a.pk for a in articles]).refresh_cards()


def synthesize(*, articles: int, seed: int = 11, progress=None) -> dict:
    """Add `articles` synthetic articles (and their issues, reporters and topics); returns counts."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article
    from newsroom.freshness import content_changed
    from zones.models import Zone

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        reporters, tags = _reporters(rng), _topics()
        issues = _issues(-(-articles // ISSUE_SIZE), now)
    material = Material(rng, reporters=reporters, zones=list(Zone.objects.all()), tags=tags)
    content_type = ContentType.objects.get_for_model(Article)
    drafted = []
    for n in range(articles):
        drafted.append(material.article(issue=issues[n // ISSUE_SIZE], position=n % ISSUE_SIZE + 1, now=now))
        if len(drafted) == BATCH:
            _write_batch(drafted, content_type)
            drafted = []
            if progress:
                progress(n + 1)
    if drafted:
        _write_batch(drafted, content_type)
    content_changed()
    return {"articles": articles, "issues": len(issues), "reporters": len(reporters), "topics": len(tags)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11, help="random seed: the same seed makes the same archive")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    started = time.perf_counter()

    def progress(done):
        print(f"  {done:>7} articles  {time.perf_counter() - started:6.1f} s", flush=True)

    made = synthesize(articles=args.articles, seed=args.seed, progress=progress)
    elapsed = time.perf_counter() - started
    print(f"made {made['articles']} articles in {made['issues']} issues, {made['reporters']} new reporters, "
          f"{made['topics']} topics in {elapsed:.1f} s ({made['articles'] / elapsed:.0f} articles/s)")


if __name__ == "__main__":
    main()
