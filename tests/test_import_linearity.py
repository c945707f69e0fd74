"""The importer's work grows linearly with the file: counted, never timed.

The meter counts every line of Python the interpreter runs (a loop or a comprehension
counts each turn), and the length of every distinct string, bytes, list, tuple or dict
handed to or returned by a Python function or held in a local variable of the
project's own code. That is where work done in C (copying, joining, scanning) shows: a
paragraph copied again at every page break is a new string each time.
A file made of n identical units then costs exactly a + b·n if the work is linear, so
the cost of doubling from 2n to 4n must be exactly twice the cost of doubling from n
to 2n; any per-block rescan or growing copy adds a term in n² and breaks the equality.
"""
import gc
import sys
from pathlib import Path

import pytest

from newsroom.importing.loader import import_issue
from newsroom.importing.parser import parse_issue
from newsroom.importing.report import article_lines, summary_line, warning_lines
from newsroom.importing.report import plan_rows as _plan_rows

SIZED = (str, bytes, list, tuple, dict)
PROJECT = tuple(str(Path(__file__).resolve().parent.parent / app) for app in ("newsroom", "articles", "zones"))
FRAGMENT = "园区企业持续加大研发投入，并不断推进关键核心技术攻关和科技成果转化，加快培育新质生产力"
HEAD = "标题\n\n► 刘琴\n\n"


def two_char_names(n: int) -> list[str]:
    chars = "明华建国立新志强伟芳秀英敏静丽军平刚桂兰玉珍海燕文博晓宇浩然思远嘉欣子涵雨轩"
    return [a + b for a in chars for b in chars if a != b][:n]


# Files of n identical units, one for each way a file can grow.
SHAPES = {
    "paragraphs": lambda n: HEAD + "成都高新区新增企业一千家。\n\n" * n,
    "articles": lambda n: (HEAD + "成都高新区新增企业一千家。\n\n") * n,
    "page-breaks": lambda n: HEAD + f"{FRAGMENT}\n\n" * n + "。\n",
    "wrapped-lines": lambda n: HEAD + f"{FRAGMENT}\n" * n + "。\n",
    "headings": lambda n: HEAD + "导语。\n\n" + "小标题\n\n成都高新区新增企业一千家。\n\n" * n,
    "credits": lambda n: "标题\n\n► " + " ".join(two_char_names(n)) + "\n\n正文。\n",
    "bylines": lambda n: HEAD + "".join(f"正文。\n\n► {name}\n\n" for name in two_char_names(n)) + "正文。\n",
    "trailing-credits": lambda n: HEAD + "正文。\n\n" * n + "最后一段。 " + " ".join(two_char_names(n)) + "\n",
}


class WorkMeter:
    def __init__(self):
        self.work = 0
        # Objects already counted, kept alive so that their ids are not reused meanwhile:
        # handing the same string to many calls (text, i) copies nothing.
        self.seen: dict[int, object] = {}

    def count(self, values) -> None:
        for value in values:
            if type(value) in SIZED and id(value) not in self.seen:
                self.seen[id(value)] = value
                self.work += len(value)

    def trace(self, frame, event, arg):
        if event == "call":
            self.count(frame.f_locals.values())
        elif event == "line":
            self.work += 1
            if frame.f_code.co_filename.startswith(PROJECT):
                self.count(frame.f_locals.values())
        elif event == "return":
            self.count([arg])
        return self.trace


def work_of(run) -> int:
    meter = WorkMeter()
    # The cyclic garbage collector runs Python finalizers and weakref callbacks (Django's
    # among them) whenever earlier allocations happen to trigger it: traced, that work lands
    # in whichever run it falls into, and depends on the tests that ran before, not on the file.
    gc.collect()
    gc.disable()
    sys.settrace(meter.trace)
    try:
        run()
    finally:
        sys.settrace(None)
        gc.enable()
    return meter.work


def assert_linear(cost, n: int) -> None:
    cost(4 * n)  # warm-up: caches, compiled patterns and translations are filled once
    w1, w2, w4 = cost(n), cost(2 * n), cost(4 * n)
    assert w2 > w1
    assert w4 - w2 == 2 * (w2 - w1), f"work at n, 2n, 4n: {w1}, {w2}, {w4}"


class TestParsingIsLinear:
    @pytest.mark.parametrize("shape", SHAPES)
    def test_work_doubles_with_the_file(self, shape):
        assert_linear(lambda n: work_of(lambda: parse_issue(SHAPES[shape](n).encode())), 50)


def dry_run_as_the_admin_shows_it(data: bytes) -> None:
    result = import_issue(data=data, source_name="a.txt", dry_run=True)
    _plan_rows(result), summary_line(result), article_lines(result), warning_lines(result)


@pytest.mark.django_db
class TestDryRunPlanIsLinear:
    """Parsing, fingerprints, zone detection, the plan and its report, as the admin's dry run does them."""

    # Not "bylines": each stray byline is reported with its line number, whose digits
    # make the text a few characters longer per unit at 4n than at n.
    @pytest.mark.parametrize("shape", ["paragraphs", "articles", "wrapped-lines"])
    def test_work_doubles_with_the_file(self, shape):
        # Up to 80 units: the report numbers articles, and two-digit numbers throughout
        # keep the cost per unit the same (at 100 a third digit appears).
        assert_linear(lambda n: work_of(lambda: dry_run_as_the_admin_shows_it(SHAPES[shape](n).encode())), 20)
