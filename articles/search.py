"""The one tokenizer for Chinese search: overlapping Han bigrams, as Lucene's CJKAnalyzer.

国家高新区 becomes `国家 家高 高新 新区`; Latin words and numbers are lowercased and
kept whole; full-width forms are folded (Ａ -> a, ２ -> 2). Indexing and queries both
use `tokenize`, so any two-character word in the text can be found.
"""
import re
import unicodedata

from articles.body import body_text

# Han ideographs (URO, extension A, compatibility) form runs; letters and digits form words.
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>[^\W_{HAN}]+)")


def fold(text: str) -> str:
    """Full-width forms to ASCII, then lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in TOKEN_RE.finditer(fold(text)):
        run = match.group()
        if match.group("han"):
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.append(run)
    return tokens


def article_search_text(article) -> str:
    """The bigrammed text of everything a reader might search an article for."""
    parts = [article.kicker, article.headline, article.subheadline, article.standfirst]
    parts.append(body_text(article.body))
    if article.pk is not None:
        parts.extend(article.reporters.values_list("name", flat=True))
        parts.extend(article.zones.values_list("name", flat=True))
    return " ".join(tokenize("\n".join(p for p in parts if p)))
