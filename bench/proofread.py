"""Proofreading benchmark: every 校对 check over a 10,000-character article with a 5,000-word list.

Not a test: it prints figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/proofread.py
    .venv/bin/python bench/proofread.py --chars 10000 --words 5000 --runs 200

The article is the seed's body sentences repeated to the length asked, with a few
errors of each kind mixed in (a listed word, half-width commas, a traditional character,
an unpaired quote, doubled marks, a stray space, an unknown zone). The word list is that
many distinct two- to four-character words cut from the seed's own text, so that many of
them occur (the automaton's worst case is many hits), plus the starter list. The zone
reference is the shipped list (zones/data), no database needed. Reported: the median and
95th percentile of the whole `proofread()` of the article, of the word check alone, and
the time to build the automaton once.
"""
import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ERRORS = "再接再励，发展,创新，國家，“未闭合，重复，，空格 在这里，在宿迁新城高新区。"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=10_000, help="characters in the article body")
    parser.add_argument("--words", type=int, default=5_000, help="words in the list")
    parser.add_argument("--runs", type=int, default=200, help="timed runs; the median is reported")
    return parser.parse_args()


def seed_body() -> str:
    from newsroom.importing.parser import parse_issue

    parsed = parse_issue(next((ROOT / "seeds").glob("*.txt")).read_bytes())
    return "\n".join(block.text for article in parsed.articles for block in article.blocks)


def article_text(seed: str, chars: int) -> str:
    lines, size = [], 0
    for n in range(chars):
        line = seed.split("\n")[n % seed.count("\n")]
        if n % 7 == 0:
            line = ERRORS + line
        lines.append(line)
        size += len(line) + 1
        if size >= chars:
            break
    return "\n".join(lines)[:chars]


def word_list(seed: str, count: int):
    from articles.proofreading import BLOCK, WARN, Word, WordList

    rng = random.Random(9)
    han = [ch for ch in seed if "\u4e00" <= ch <= "\u9fff"]
    words = {"再接再励": Word("再接再励", BLOCK, "再接再厉")}
    while len(words) < count:
        start, length = rng.randrange(len(han) - 4), rng.choice((2, 3, 4))
        word = "".join(han[start:start + length])
        words.setdefault(word, Word(word, rng.choice((BLOCK, WARN)), ""))
    return list(words.values()), WordList


def zone_index():
    from zones.mentions import ZoneIndex
    from zones.models import Zone
    from zones.reference import read_reference_rows

    zones = [
        # Unsaved rows need a primary key to be counted (hashed) by the scan.
        Zone(pk=n, name=row["short_name"], official_name=row["official_name"], aliases=row["aliases"], city=row["city"])
        for n, row in enumerate(read_reference_rows(), start=1)
    ]
    return ZoneIndex.from_zones(zones)


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up: OpenCC's tables and the caches load once per process
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from articles.proofreading import proofread, word_findings

    seed = seed_body()
    body = article_text(seed, args.chars)
    words, word_list_class = word_list(seed, args.words)
    build_ms, _p95 = timed(lambda: word_list_class(words), max(5, args.runs // 20))
    automaton = word_list_class(words)
    zones = zone_index()
    texts = {"headline": "国家高新区忙开局奋力“开门红”", "standfirst": seed.split("\n")[0], "body": body}
    report = proofread(texts, words=automaton, zones=zones)
    all_p50, all_p95 = timed(lambda: proofread(texts, words=automaton, zones=zones), args.runs)
    word_p50, word_p95 = timed(lambda: word_findings("body", body, automaton), args.runs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"article: {len(body)} characters in the body, {report.char_count} 字 in all; "
          f"words: {len(words)}; findings: {len(report.findings)} ({len(report.blocking)} 禁用)")
    print(f"automaton build: {build_ms:.1f} ms (median)")
    print(f"proofread(), all checks: p50 {all_p50:.2f} ms, p95 {all_p95:.2f} ms")
    print(f"word list alone:        p50 {word_p50:.2f} ms, p95 {word_p95:.2f} ms")


if __name__ == "__main__":
    main()
