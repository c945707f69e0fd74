"""An edit conflict: someone saved the article after this editor opened it."""
from django.utils.translation import gettext as _

from articles.dates import format_local
from articles.models import Article
from articles.revisions.diff import compare_snapshots, snapshot_from_version, snapshot_of_article
from articles.revisions.history import find_version, last_change


class EditConflict:
    """What a stale form is told: who saved in between, when, and what they changed."""

    def __init__(self, *, article: Article, loaded_version: int):
        self.change = last_change(article=article)
        self.loaded_version = loaded_version
        old = find_version(article=article, number=loaded_version)
        self.diffs = [] if old is None else [
            d for d in compare_snapshots(snapshot_from_version(old), snapshot_of_article(article)) if d.changed
        ]

    @property
    def message(self) -> str:
        return _(
            "保存未成功：你打开本文时是第%(loaded)s版，之后%(who)s于%(when)s保存了第%(current)s版。"
            "你的修改仍保留在表单中；请对照下方对方的改动，核对后再次保存（将以你的内容为准）。"
        ) % {
            "loaded": self.loaded_version,
            "who": self.change.who,
            "when": format_local(self.change.when),
            "current": self.change.version,
        }
