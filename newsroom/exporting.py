"""Export an issue as JSON (the stable interface other tools read) or as issue text.

The text form is the import format, so exporting and importing again gives the same
articles: the round trip is also the backup.
"""
from collections import defaultdict

from articles.models import Article, Byline
from newsroom.models import Issue


def issue_articles(issue: Issue) -> list[Article]:
    return list(
        issue.articles.order_by("position", "id").prefetch_related(
            "bylines__reporter", "zone_mentions__zone", "tags"
        )
    )


def article_export_data(article: Article) -> dict:
    return {
        "position": article.position,
        "headline": article.headline,
        "kicker": article.kicker,
        "subheadline": article.subheadline,
        "standfirst": article.standfirst,
        "dateline": article.dateline,
        "reporters": [{"name": b.reporter.name, "role": b.role} for b in article.bylines.all()],
        "zones": [
            {"name": m.zone.name, "slug": m.zone.slug, "mentions": m.mentions}
            for m in sorted(article.zone_mentions.all(), key=lambda m: (-m.mentions, m.zone.name))
        ],
        "tags": sorted(t.name for t in article.tags.all()),
        "status": article.status,
        "publish_at": article.publish_at.isoformat() if article.publish_at else None,
        "url": article.get_absolute_url(),
        "blocks": article.blocks,
    }


def unknown_zone_mentions(articles: list[Article]) -> list[dict]:
    mentions, positions = defaultdict(int), defaultdict(list)
    for article in articles:
        for name, count in (article.unknown_zones or {}).items():
            mentions[name] += count
            positions[name].append(article.position)
    return [{"name": n, "mentions": mentions[n], "articles": positions[n]} for n in sorted(mentions)]


def issue_export_data(issue: Issue) -> dict:
    articles = issue_articles(issue)
    return {
        "number": issue.number,
        "date": issue.date.isoformat(),
        "title": issue.title,
        "status": issue.status,
        "articles": [article_export_data(a) for a in articles],
        "unknown_zone_mentions": unknown_zone_mentions(articles),
    }


def byline_text(bylines) -> str:
    """`► 刘琴` or `► 记者 张三 通讯员 王五 作者 李四`, in byline order.

    A role word applies to the names after it, so one is written wherever the role
    changes; 作者 switches back to names without a role.
    """
    parts, role = [], Byline.Role.AUTHOR
    for byline in bylines:
        if byline.role != role:
            parts.append(byline.role)
            role = byline.role
        parts.append(byline.reporter.name)
    return "► " + " ".join(parts)


def article_text(article: Article) -> str:
    head = [line for line in (article.kicker, article.headline, article.subheadline) if line]
    if article.kicker and not article.subheadline:
        head = [article.headline]  # a kicker needs a subheadline to be told apart; see README
    chunks = ["\n".join(head)]
    bylines = list(article.bylines.all())
    if bylines:
        chunks.append(byline_text(bylines))
    first_paragraph = True
    for block in article.blocks:
        if block["type"] == "heading":
            chunks.append("\n".join(filter(None, [block["text"], block.get("subtitle")])))
            continue
        text = block["text"]
        if first_paragraph and article.dateline:
            text = f"{article.dateline} {text}"
        first_paragraph = False
        chunks.append(text)
    return "\n\n".join(chunks)


def issue_export_text(issue: Issue) -> str:
    return "\n\n".join(article_text(a) for a in issue_articles(issue)) + "\n"
