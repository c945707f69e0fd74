"""Proofread an article as stored or as typed: its fields' text, the word list and the zone reference."""
from django.utils.translation import gettext as _

from articles.body import body_text
from articles.models import Article, ProofWord
from articles.proofreading import FIELDS, Finding, Report, WordList, blocked_findings, proofread
from zones.mentions import ZoneIndex

PLAIN_FIELDS = ("kicker", "headline", "subheadline", "standfirst")


def article_texts(article: Article) -> dict[str, str]:
    """The proofread fields as plain text; the body one block a line, as the findings count it."""
    texts = {name: getattr(article, name) or "" for name in PLAIN_FIELDS}
    texts["body"] = body_text(article.body)
    return texts


def texts_from_data(data) -> dict[str, str]:
    """The same fields from a submitted form, before anything is saved."""
    texts = {name: str(data.get(name, "") or "") for name in PLAIN_FIELDS}
    texts["body"] = body_text(str(data.get("body", "") or ""))
    return texts


def texts_proofread(texts: dict[str, str]) -> Report:
    return proofread(texts, words=ProofWord.objects.word_list(), zones=ZoneIndex.from_db())


def article_proofread(*, article: Article) -> Report:
    return texts_proofread(article_texts(article))


def article_blocked_lines(article: Article, *, words: WordList | None = None) -> list[str]:
    """Why the article may not be published: one line per unresolved 禁用 finding."""
    words = ProofWord.objects.word_list() if words is None else words
    return blocking_lines(article, blocked_findings(article_texts(article), words))


def blocking_lines(article: Article, findings: list[Finding]) -> list[str]:
    """One line per blocking finding, naming the article and the field: for refusals."""
    labels = dict(FIELDS)
    return [
        _("《%(headline)s》%(field)s有禁用词：%(message)s") % {
            "headline": article.headline or _("无标题"), "field": labels[f.field], "message": f.message,
        }
        for f in findings
    ]
