"""Two `manage.py import_issue` processes at once, against the suite's database engine.

Each pair starts together and both imports overlap (a file of 300 articles takes a few
seconds to write). Whatever the pair, the result is the one a sequential run gives:
no traceback, the loser stops with one Chinese line, and no issue is made twice.
"""
import subprocess
import sys

import pytest

from tests.realserver import ROOT, fresh_database, manage, orm, site_env

ROUNDS = 2
ARTICLES = 300


def issue_text(tag: str) -> str:
    return "\n\n".join(
        f"{tag}第{i}号园区报道\n\n► 记者 张三\n\n成都高新区今年第{i}个项目落地。" for i in range(1, ARTICLES + 1)
    ) + "\n"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("imports")
    with fresh_database(workdir) as url:
        env = site_env(url)
        done = manage(env, "migrate", "--noinput")
        assert done.returncode == 0, done.stderr
        yield {"env": env, "dir": workdir}


def import_at_once(env, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "import_issue", *args], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for args in commands
    ]
    results = []
    for process, args in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    for result in results:
        assert "Traceback" not in result.stderr, result.stderr
    return results


def issues(env) -> list[list]:
    return orm(env, "from newsroom.models import Issue\nresult = [[i.number, i.source_name, i.articles.count()] for i in Issue.objects.order_by('number')]")


def write(database, name: str, text: str) -> str:
    path = database["dir"] / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


class TestImportsAtOnce:
    def test_two_files_without_numbers_get_two_numbers(self, database):
        env = database["env"]
        for n in range(ROUNDS):
            before = issues(env)
            first = write(database, f"a{n}.txt", issue_text(f"甲{n}"))
            second = write(database, f"b{n}.txt", issue_text(f"乙{n}"))
            results = import_at_once(env, [first], [second])
            assert [r.returncode for r in results] == [0, 0]
            top = max((i[0] for i in before), default=0)
            added = [i for i in issues(env) if i not in before]
            assert sorted(i[0] for i in added) == [top + 1, top + 2]
            assert sorted((name, count) for _number, name, count in added) == [(f"a{n}.txt", ARTICLES), (f"b{n}.txt", ARTICLES)]

    def test_the_same_file_twice_makes_one_issue(self, database):
        env = database["env"]
        for n in range(ROUNDS):
            before = issues(env)
            path = write(database, f"same{n}.txt", issue_text(f"丙{n}"))
            results = import_at_once(env, [path], [path])
            assert [r.returncode for r in results] == [0, 0]
            summaries = sorted(r.stdout.splitlines()[0].split("：")[1] for r in results)
            assert summaries == [f"新建 {ARTICLES} 篇", f"未变 {ARTICLES} 篇"]
            assert [i for i in issues(env) if i not in before] == [[max(i[0] for i in before) + 1, f"same{n}.txt", ARTICLES]]

    def test_two_files_for_one_number_one_wins_the_other_is_told(self, database):
        env = database["env"]
        for n in range(ROUNDS):
            number = 100 + n
            first = write(database, f"c{n}.txt", issue_text(f"丁{n}"))
            second = write(database, f"d{n}.txt", issue_text(f"戊{n}"))
            results = import_at_once(env, [first, "--number", str(number)], [second, "--number", str(number)])
            assert sorted(r.returncode for r in results) == [0, 1]
            winner, loser = sorted(results, key=lambda r: r.returncode)
            won = "c" if winner.args[0] == first else "d"
            lost = "d" if won == "c" else "c"
            assert error_lines(loser) == [
                f"{lost}{n}.txt：第 {number} 期已由 {won}{n}.txt 导入；要用这个文件替换它，请加 --force。",
                "CommandError: 1 个文件导入失败。",
            ]
            assert [i for i in issues(env) if i[0] == number] == [[number, f"{won}{n}.txt", ARTICLES]]

    def test_one_file_for_two_numbers_makes_one_issue(self, database):
        env = database["env"]
        for n in range(ROUNDS):
            path = write(database, f"twice{n}.txt", issue_text(f"己{n}"))
            numbers = (200 + 2 * n, 201 + 2 * n)
            results = import_at_once(env, [path, "--number", str(numbers[0])], [path, "--number", str(numbers[1])])
            assert sorted(r.returncode for r in results) == [0, 1]
            winner, loser = sorted(results, key=lambda r: r.returncode)
            kept = numbers[0] if winner.args[2] == str(numbers[0]) else numbers[1]
            assert error_lines(loser) == [
                f"twice{n}.txt：内容与已有的第 {kept} 期（twice{n}.txt）相同；确实要再建一期，请加 --allow-duplicate。",
                "CommandError: 1 个文件导入失败。",
            ]
            assert [i for i in issues(env) if i[0] in numbers] == [[kept, f"twice{n}.txt", ARTICLES]]
