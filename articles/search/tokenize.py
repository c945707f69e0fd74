"""The one tokenizer for Chinese search: overlapping Han bigrams, as Lucene's CJKAnalyzer.

国家高新区 becomes `国家 家高 高新 新区`; Latin words and numbers are lowercased and
kept whole; full-width forms are folded (Ａ -> a, ２ -> 2). Indexing and queries both
use `tokenize`, so any two-character word in the text can be found.

`Article.search_text` holds two lines of tokens: the headline line (kicker, headline,
subheadline) and the body line (standfirst, body, reporters, zones). The database
indexes them as two weighted columns (see migration 0002_search_index), which is how a
headline match outranks a body match. `articles.search.engine` runs the queries.
"""
import re
import unicodedata
from dataclasses import dataclass

from articles.body import body_text
from newsroom.text.han import HAN, HAN_RE

# Han ideographs form runs; letters and digits form words.
TOKEN_RE = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>[^\W_{HAN}]+)")

# The headline line and the body line of `search_text` are split on this character,
# which never occurs inside a line because the tokenizer drops all whitespace.
LINE_SEPARATOR = "\n"

# Longer input is cut, not refused: nobody types more, and it bounds the SQL we build.
MAX_QUERY_CHARS = 100
MAX_TERMS = 8
# ASCII quotes (full-width ＂ folds to them) and Chinese curly quotes delimit phrases.
QUOTED_RE = re.compile(r'"([^"]*)"|“([^”]*)”')
HAN_GAP_RE = re.compile(rf"(?<=[{HAN}])\s+(?=[{HAN}])")


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


def article_search_text(article, *, reporter_names=None, zone_names=None) -> str:
    """The bigrammed text of everything a reader might search an article for.

    The names can be passed in when the caller has already loaded them (the rebuild
    command does, for every article at once); otherwise they are read fresh, so that
    a re-index right after the bylines change never sees a stale prefetch.
    """
    if article.pk is not None:
        if reporter_names is None:
            reporter_names = article.reporters.values_list("name", flat=True)
        if zone_names is None:
            zone_names = article.zones.values_list("name", flat=True)
    headline = [article.kicker, article.headline, article.subheadline]
    rest = [article.standfirst, body_text(article.body), *(reporter_names or []), *(zone_names or [])]
    return _token_line(headline) + LINE_SEPARATOR + _token_line(rest)


def _token_line(parts) -> str:
    return " ".join(tokenize("\n".join(p for p in parts if p)))


@dataclass(frozen=True)
class ParsedQuery:
    """A reader's query: phrases of tokens, all of which must match.

    `phrases` go to the full-text index, each one matched as a phrase of its tokens.
    `scans` are single Han characters, which the bigram index cannot find; they are
    matched by a substring scan of `search_text` instead. `marks` are the runs of
    text (Han runs, whole Latin words) to highlight in the results.
    """

    phrases: tuple[tuple[str, ...], ...] = ()
    scans: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phrases or self.scans)


def parse_query(raw: str) -> ParsedQuery:
    """Quoted text is one phrase; every other whitespace-separated word is a phrase too."""
    text = fold(raw)[:MAX_QUERY_CHARS]
    # Inside quotes a space between Han characters is a typing habit, not a break:
    # "国家 高新区" means the text 国家高新区.
    chunks = [HAN_GAP_RE.sub("", a or b) for a, b in QUOTED_RE.findall(text)]
    chunks += QUOTED_RE.sub(" ", text).split()
    phrases: list[tuple[str, ...]] = []
    scans: list[str] = []
    for chunk in chunks:
        tokens = tuple(tokenize(chunk))
        if len(tokens) == 1 and len(tokens[0]) == 1 and HAN_RE.match(tokens[0]):
            _append_new(scans, tokens[0])
        elif tokens:
            _append_new(phrases, tokens)
    marks = {m.group() for chunk in chunks for m in TOKEN_RE.finditer(chunk)}
    return ParsedQuery(
        phrases=tuple(phrases[:MAX_TERMS]),
        scans=tuple(scans[:MAX_TERMS]),
        # Longest first, so that a highlighter preferring earlier alternatives marks
        # 济南高新区 whole rather than stopping at 济南.
        marks=tuple(sorted(marks, key=lambda m: (-len(m), m))),
    )


def _append_new(items: list, item) -> None:
    if item not in items:
        items.append(item)
