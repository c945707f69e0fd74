"""Backups: one file that restores every table and media file, and refuses what would not."""
import hashlib
import io
import json
import re
import sqlite3
import tarfile
import threading
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from articles.models import Article
from newsroom import backups
from newsroom.backups import BackupError, Database, backup_create, backup_restore, opened_backup
from newsroom.models import Issue, Reporter

POSTGRES = connection.vendor == "postgresql"
# Committed rows, so that pg_dump and SQLite's backup (other connections) see them; the
# serialized rollback brings back what the migrations created (the 编辑 group) for each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NAME_RE = re.compile(r"newsroom-\d{8}-\d{6}(-before-restore)?(-\d+)?\.tar\.gz")


@pytest.fixture(autouse=True)
def _forget_content_types():
    # The flush after each test empties django_content_type, and the next test's serialized
    # rollback does not bring every row back: an id cached here would point at nothing there.
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def backup_dir(tmp_path, settings) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def media_root(tmp_path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def source() -> Database:
    """The test database itself."""
    return Database.from_settings(connection.settings_dict)


@pytest.fixture
def fresh_database(tmp_path):
    """make() -> a new empty database of the suite's engine; PostgreSQL ones are dropped after."""
    created = []

    def make() -> Database:
        if not POSTGRES:
            return Database(engine="sqlite", name=str(tmp_path / f"fresh-{len(created)}.sqlite3"))
        name = f"{connection.settings_dict['NAME']}_restore_{len(created)}"
        created.append(name)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        return Database.from_settings({**connection.settings_dict, "NAME": name})

    yield make
    for name in created:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin_sql(*statements: str) -> None:
    import psycopg

    with closing(backups.pg_connect(Database.from_settings(connection.settings_dict))) as conn:
        conn.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
        for statement in statements:
            conn.execute(statement)
    assert psycopg  # the driver is installed wherever PostgreSQL runs


def png_bytes(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(out, format="PNG")
    return out.getvalue()


def build_content(seed_path) -> None:
    """The seed as `make run` imports it, an editor, topics, an edit with its revision, media."""
    call_command("import_issue", str(seed_path), "--number", "1", "--publish", stdout=StringIO())
    editor = User.objects.create_user("editor", password="editor-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name="编辑"))
    article = Article.objects.get(position=1)
    article.tags.add("创新", "开放")
    from articles.revisions.history import add_article_to_revision, revision_context

    with revision_context(user=editor, comment="改标题"):
        article.headline = "国家高新区忙开局"
        article.save()
        add_article_to_revision(article)
    from newsroom.tasks import image_upload

    Reporter.objects.filter(name="刘琴").update(photo=image_upload(data=png_bytes("red"), alt="刘琴的照片")[0])
    Issue.objects.filter(number=1).update(cover=image_upload(data=png_bytes("blue"), alt="第1期封面")[0])


def table_rows(database: Database) -> dict[str, list]:
    """Every table the database has (introspected) with its rows, in a stable order."""
    if database.engine == "sqlite":
        with closing(backups.sqlite_connect(database)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {n: sorted(map(tuple, conn.execute(f'SELECT * FROM "{n}"')), key=repr) for n in names}
    with closing(backups.pg_connect(database)) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        rows = {n: sorted((tuple(map(comparable, r)) for r in conn.execute(f'SELECT * FROM "{n}"')), key=repr) for n in names}
        rows["(sequences)"] = conn.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()
        return rows


def comparable(value):
    return bytes(value) if isinstance(value, memoryview) else value


def media_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def archive_names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


def rewrite_archive(source: Path, target: Path, *, manifest=None, replace=None) -> None:
    """A copy of a backup with its manifest edited or a member's bytes replaced."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read()
            if member.name == "manifest.json" and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            if replace and member.name in replace:
                data = replace[member.name]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.fixture
def backed_up(source, seed_path, media_root, backup_dir) -> Path:
    """A backup of a database with real content."""
    build_content(seed_path)
    return backup_create(database=source, media_root=media_root, directory=backup_dir)


def restore(path: Path, database: Database, *, media_root: Path, directory: Path):
    with opened_backup(path, database=database, directory=directory) as backup:
        return backup_restore(backup=backup, database=database, media_root=media_root, directory=directory)


class TestBackupRoundTrip:
    def test_every_table_restores_into_a_fresh_database(self, backed_up, source, fresh_database, backup_dir, tmp_path):
        """Restored into a new database, every table has exactly the source's rows."""
        target = fresh_database()
        restore(backed_up, target, media_root=tmp_path / "restored-media", directory=backup_dir)
        before, after = table_rows(source), table_rows(target)
        assert {"articles_article", "reversion_version", "taggit_taggeditem", "auth_user", "django_migrations"} <= set(before)
        assert len(before["reversion_version"]) > 3 and len(before["taggit_taggeditem"]) == 2
        assert sorted(after) == sorted(before)
        for table in before:
            assert after[table] == before[table], table

    def test_media_files_restore_with_the_database(self, backed_up, fresh_database, media_root, backup_dir, tmp_path):
        """The photo and the cover come back byte for byte."""
        restore(backed_up, fresh_database(), media_root=tmp_path / "restored-media", directory=backup_dir)
        restored = media_tree(tmp_path / "restored-media")
        assert sorted(restored) == sorted([Issue.objects.get().cover.file.name, Reporter.objects.get(name="刘琴").photo.file.name])
        assert restored == media_tree(media_root)

    def test_the_file_holds_the_dump_the_media_and_a_manifest(self, backed_up, media_root):
        """One file, named with the time, private, with a manifest that checks every member."""
        assert NAME_RE.fullmatch(backed_up.name) and backed_up.stat().st_mode & 0o777 == 0o600
        dump = "database.pgdump" if POSTGRES else "database.sqlite3"
        pictures = sorted([Issue.objects.get().cover.file.name, Reporter.objects.get(name="刘琴").photo.file.name])
        assert archive_names(backed_up) == [dump, *(f"media/{name}" for name in pictures), "manifest.json"]
        with tarfile.open(backed_up) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = cursor.fetchall()
        assert (manifest["format"], manifest["version"], manifest["engine"]) == ("newsroom-backup", 1, "postgresql" if POSTGRES else "sqlite")
        assert manifest["migrations"] == sorted(f"{app}.{name}" for app, name in applied)
        photo = Reporter.objects.get(name="刘琴").photo.file.name
        stored = (media_root / photo).read_bytes()
        assert manifest["files"][f"media/{photo}"] == {"size": len(stored), "sha256": hashlib.sha256(stored).hexdigest()}

    def test_nothing_but_the_backup_is_left_in_the_folder(self, backed_up, backup_dir):
        """The staging folder is removed; only the finished file remains."""
        assert [p.name for p in backup_dir.iterdir()] == [backed_up.name]

    def test_two_backups_in_the_same_second_get_two_names(self, backed_up, backup_dir, tmp_path):
        """A taken name is never overwritten."""
        stem = backed_up.name.removesuffix(".tar.gz")
        (tmp_path / "partial").write_bytes(b"second")
        second = backups.publish_file(tmp_path / "partial", directory=backup_dir, stem=stem)
        assert second.name == f"{stem}-2.tar.gz" and second.read_bytes() == b"second"
        assert backed_up.read_bytes() != b"second"


class TestRestoreRefuses:
    def refused(self, path: Path, source: Database, *, media_root: Path, backup_dir: Path) -> str:
        before_rows, before_media, before_files = table_rows(source), media_tree(media_root), sorted(backup_dir.iterdir())
        with pytest.raises(BackupError) as refused:
            restore(path, source, media_root=media_root, directory=backup_dir)
        assert table_rows(source) == before_rows and media_tree(media_root) == before_media
        assert sorted(backup_dir.iterdir()) == before_files  # no safety backup, no staging left
        return str(refused.value)

    def test_a_truncated_file(self, backed_up, source, media_root, backup_dir):
        """Half a backup is refused and the database is untouched."""
        cut = backup_dir / "cut.tar.gz"
        cut.write_bytes(backed_up.read_bytes()[: backed_up.stat().st_size // 2])
        assert self.refused(cut, source, media_root=media_root, backup_dir=backup_dir) == (
            f"{cut} 不完整或已损坏（文件被截断），没有恢复任何内容。"
        )

    def test_a_corrupted_byte(self, backed_up, source, media_root, backup_dir):
        """One flipped byte in the compressed data is caught."""
        data = bytearray(backed_up.read_bytes())
        data[len(data) // 2] ^= 0xFF
        bad = backup_dir / "bad.tar.gz"
        bad.write_bytes(bytes(data))
        message = self.refused(bad, source, media_root=media_root, backup_dir=backup_dir)
        assert message.startswith(f"{bad} 不完整或已损坏（") and message.endswith("），没有恢复任何内容。")

    def test_a_member_that_does_not_match_the_manifest(self, backed_up, source, media_root, backup_dir):
        """A well-formed archive whose photo was replaced fails its checksum."""
        tampered = backup_dir / "tampered.tar.gz"
        photo = f"media/{Reporter.objects.get(name='刘琴').photo.file.name}"
        rewrite_archive(backed_up, tampered, replace={photo: png_bytes("green")})
        assert self.refused(tampered, source, media_root=media_root, backup_dir=backup_dir) == (
            f"{tampered} 不完整或已损坏（{photo} 与清单不符），没有恢复任何内容。"
        )

    def test_a_file_that_is_not_a_backup(self, backed_up, source, media_root, backup_dir):
        """Any other file, or another tar.gz, is named as not a backup."""
        other = backup_dir / "notes.tar.gz"
        with tarfile.open(other, "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("notes.txt"), io.BytesIO(b""))
        readme = Path(__file__).resolve().parent.parent / "README.md"
        assert self.refused(readme, source, media_root=media_root, backup_dir=backup_dir) == f"{readme} 不是本网站的备份文件。"
        assert self.refused(other, source, media_root=media_root, backup_dir=backup_dir) == f"{other} 不是本网站的备份文件。"

    def test_a_missing_file(self, source, media_root, backup_dir):
        """A path that does not exist."""
        missing = backup_dir / "nowhere.tar.gz"
        with pytest.raises(BackupError, match=f"^{re.escape(str(missing))} 不存在或不是文件。$"):
            restore(missing, source, media_root=media_root, directory=backup_dir)

    def test_the_other_engines_backup(self, backed_up, source, media_root, backup_dir):
        """A PostgreSQL backup is not converted into SQLite, nor the other way round."""
        other, dump = ("sqlite", "database.sqlite3") if POSTGRES else ("postgresql", "database.pgdump")
        ours = "database.pgdump" if POSTGRES else "database.sqlite3"
        foreign = backup_dir / "foreign.tar.gz"

        def as_other(manifest):
            manifest["files"][dump] = manifest["files"].pop(ours)
            return {**manifest, "engine": other}

        with tarfile.open(backed_up) as tar, tarfile.open(foreign, "w:gz") as out:
            for member in tar:
                data = tar.extractfile(member).read()
                if member.name == "manifest.json":
                    data = json.dumps(as_other(json.loads(data))).encode()
                member.name, member.size = (dump if member.name == ours else member.name), len(data)
                out.addfile(member, io.BytesIO(data))
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        assert self.refused(foreign, source, media_root=media_root, backup_dir=backup_dir) == (
            f"{foreign} 是 {names[other]} 数据库的备份，当前数据库是 {names[source.engine]}：不能在两种数据库之间恢复。"
        )

    def test_a_backup_from_newer_code(self, backed_up, source, media_root, backup_dir):
        """A database with migrations this code does not have would not run."""
        newer = backup_dir / "newer.tar.gz"
        rewrite_archive(backed_up, newer, manifest=lambda m: {**m, "migrations": [*m["migrations"], "articles.9999_future"]})
        assert self.refused(newer, source, media_root=media_root, backup_dir=backup_dir) == (
            f"{newer} 来自更新的程序版本（含本程序没有的迁移 articles.9999_future），请先升级程序再恢复。"
        )


class TestRestoreReplaces:
    def test_the_current_state_is_backed_up_first(self, backed_up, source, media_root, backup_dir, fresh_database, tmp_path):
        """The safety backup holds what was there before, and restores to it."""
        Article.objects.filter(position=2).update(headline="恢复前的改动")
        (media_root / "extra.txt").write_text("恢复前的文件")
        changed_rows, changed_media = table_rows(source), media_tree(media_root)
        result = restore(backed_up, source, media_root=media_root, directory=backup_dir)
        assert NAME_RE.fullmatch(result.safety_backup.name) and result.safety_backup.name.endswith("-before-restore.tar.gz")
        assert Article.objects.get(position=2).headline == "济南高新区探索对外开放新格局"
        assert not (media_root / "extra.txt").exists()
        undo = fresh_database()
        restore(result.safety_backup, undo, media_root=tmp_path / "undo-media", directory=backup_dir)
        assert table_rows(undo) == changed_rows and media_tree(tmp_path / "undo-media") == changed_media

    def test_restore_replaces_rows_added_after_the_backup(self, backed_up, source, media_root, backup_dir):
        """Restoring is a replacement, not a merge."""
        rows = table_rows(source)
        Issue.objects.create(number=2, date="2025-02-01")
        User.objects.create_user("later")
        restore(backed_up, source, media_root=media_root, directory=backup_dir)
        assert table_rows(source) == rows

    def test_tables_the_backup_does_not_have_are_dropped(self, backed_up, source, media_root, backup_dir):
        """A table made after the backup (a newer migration) does not survive the restore."""
        rows = table_rows(source)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE later_table (id integer PRIMARY KEY REFERENCES articles_article(id))")
        try:
            restore(backed_up, source, media_root=media_root, directory=backup_dir)
            assert table_rows(source) == rows
        finally:  # the flush after this test cannot truncate articles while it is referenced
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS later_table")

    def test_a_backup_taken_while_another_connection_writes_is_consistent(self, source, media_root, backup_dir, fresh_database, tmp_path):
        """Each writer transaction adds a pair of rows; the backup has whole pairs only."""
        if source.engine == "sqlite":  # a file in WAL mode, as the site runs; not the in-memory test database
            live = Database(engine="sqlite", name=str(tmp_path / "live.sqlite3"))
            backups.sqlite_dump(source, Path(live.name))
            with closing(backups.sqlite_connect(live)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
            source = live
        writer = PairWriter(source)
        writer.start()
        writer.committed.wait()
        try:
            during = writer.count
            path = backup_create(database=source, media_root=media_root, directory=backup_dir)
            after = writer.count
        finally:
            writer.stop()
        target = fresh_database()
        restore(path, target, media_root=tmp_path / "m", directory=backup_dir)
        groups = [r for r in table_rows(target)["auth_group"] if str(r[1]).startswith("pair-")]
        reporters = [r for r in table_rows(target)["newsroom_reporter"] if str(r[1]).startswith("pair-")]
        assert sorted(g[1] for g in groups) == sorted(r[1] for r in reporters)
        assert during <= len(groups) <= after and after > during  # it wrote while the backup ran


class PairWriter(threading.Thread):
    """Commits, on its own connection, one transaction after another: a group and a reporter."""

    def __init__(self, database: Database):
        super().__init__(daemon=True)
        self.database, self.count = database, 0
        self.committed, self.stopping = threading.Event(), threading.Event()

    def run(self):
        postgres = self.database.engine == "postgresql"
        conn = backups.pg_connect(self.database) if postgres else backups.sqlite_connect(self.database)
        mark = "%s" if postgres else "?"
        with closing(conn):
            while not self.stopping.is_set():
                name = f"pair-{self.count:06d}"
                self.write(conn, name, mark)
                self.count += 1
                if self.count >= 20:
                    self.committed.set()

    def write(self, conn, name: str, mark: str) -> None:
        if isinstance(conn, sqlite3.Connection):
            conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"INSERT INTO auth_group (name) VALUES ({mark})", [name])
        conn.execute(
            f"INSERT INTO newsroom_reporter (name, slug, bio, created_at) VALUES ({mark}, {mark}, '', CURRENT_TIMESTAMP)",
            [name, name],
        )
        conn.execute("COMMIT")

    def stop(self):
        self.stopping.set()
        self.join()


class TestCommands:
    def test_backup_command(self, source, media_root, backup_dir):
        """`manage.py backup` writes one file into the backup folder and says where."""
        out = StringIO()
        call_command("backup", stdout=out)
        (path,) = backup_dir.iterdir()
        assert NAME_RE.fullmatch(path.name)
        assert out.getvalue() == f"已备份到 {path}（{path.stat().st_size} 字节）\n"

    def test_restore_asks_first(self, backed_up, source, media_root, backup_dir, monkeypatch):
        """Anything but yes cancels, and nothing changes."""
        Article.objects.filter(position=2).update(headline="不该被覆盖")
        monkeypatch.setattr("builtins.input", lambda prompt: "no")
        with pytest.raises(CommandError, match="^已取消，没有改变任何内容。$"):
            call_command("restore", str(backed_up), stdout=StringIO())
        assert Article.objects.get(position=2).headline == "不该被覆盖"
        assert [p.name for p in backup_dir.iterdir()] == [backed_up.name]

    def test_restore_without_a_terminal_needs_yes(self, backed_up, source, media_root, backup_dir, monkeypatch):
        """No one to ask (make in a script, no stdin): refused, with how to say yes."""
        def no_terminal(prompt):
            raise EOFError

        monkeypatch.setattr("builtins.input", no_terminal)
        with pytest.raises(CommandError, match="^需要确认：请在终端中运行并输入 yes，或加 --yes。$"):
            call_command("restore", str(backed_up), stdout=StringIO())

    def test_restore_with_yes(self, backed_up, source, media_root, backup_dir):
        """--yes restores and names the safety backup that undoes it."""
        Article.objects.filter(position=2).update(headline="恢复前的改动")
        out = StringIO()
        call_command("restore", str(backed_up), "--yes", stdout=out)
        assert Article.objects.get(position=2).headline == "济南高新区探索对外开放新格局"
        safety = next(p for p in backup_dir.iterdir() if p.name.endswith("-before-restore.tar.gz"))
        lines = out.getvalue().splitlines()
        assert lines[-2:] == [f"已从 {backed_up} 恢复。", f"恢复前的状态已备份到 {safety}；要撤销这次恢复：make restore FILE={safety}"]

    def test_restore_moves_the_content_version_on(self, backed_up, source, media_root, backup_dir):
        """Pages cached before the restore show the replaced content: the version retires them."""
        from django.db.models import F
        from django.utils import timezone

        from newsroom.models import ContentVersion

        started = timezone.now()
        for _ in range(3):  # numbers served after the backup was made
            ContentVersion.objects.update(number=F("number") + 1)
        served = ContentVersion.objects.get().number
        call_command("restore", str(backed_up), "--yes", stdout=StringIO())
        restored = ContentVersion.objects.get()
        assert restored.changed_at >= started
        # Past every number served before the restore, though the backup holds an older one.
        assert restored.number == served + 1

    def test_restore_refusal_is_one_line(self, source, media_root, backup_dir, tmp_path):
        """A bad file is a CommandError of one line."""
        bad = tmp_path / "x.tar.gz"
        bad.write_bytes(b"\x1f\x8b" + b"\x00" * 50)
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(bad), "--yes", stdout=StringIO())
        assert "\n" not in str(refused.value) and str(refused.value).startswith(f"{bad} 不完整或已损坏（")


class TestPostgresTools:
    def fake_tools(self, root: Path, versions: dict[str, int]) -> None:
        for folder, version in versions.items():
            tool = root / folder / "bin" / "pg_dump"
            tool.parent.mkdir(parents=True)
            tool.write_text(f'#!/bin/sh\necho "pg_dump (PostgreSQL) {version}.3 (Debian)"\n')
            tool.chmod(0o755)

    def test_the_servers_version_first_then_newer(self, tmp_path, monkeypatch, settings):
        """For a version 15 server: 15's pg_dump, else a newer one, never an older one."""
        settings.POSTGRES_BIN_DIR = ""
        monkeypatch.setattr(backups, "PG_LIB", tmp_path)
        monkeypatch.setattr(backups.shutil, "which", lambda name: None)
        self.fake_tools(tmp_path, {"13": 13, "15": 15, "16": 16})
        assert backups.pg_tool("pg_dump", 15) == str(tmp_path / "15/bin/pg_dump")
        assert backups.pg_tool("pg_dump", 14) == str(tmp_path / "16/bin/pg_dump")

    def test_a_missing_pg_dump_is_a_clear_error(self, tmp_path, monkeypatch, settings):
        """Only older versions installed: the message says what to install."""
        settings.POSTGRES_BIN_DIR = ""
        monkeypatch.setattr(backups, "PG_LIB", tmp_path)
        monkeypatch.setattr(backups.shutil, "which", lambda name: None)
        self.fake_tools(tmp_path, {"13": 13})
        with pytest.raises(BackupError) as missing:
            backups.pg_tool("pg_dump", 15)
        assert str(missing.value) == (
            "找不到 PostgreSQL 15 或更新版本的 pg_dump：请安装 postgresql-client-15（Debian/Ubuntu：apt-get install "
            "postgresql-client-15），或用环境变量 NEWSROOM_PG_BIN 指向它所在的目录。"
        )

    def test_a_configured_folder_is_the_only_place_looked_at(self, tmp_path, monkeypatch, settings):
        """NEWSROOM_PG_BIN names the folder; a wrong one is an error, not a silent fallback."""
        self.fake_tools(tmp_path, {"mine": 17})
        settings.POSTGRES_BIN_DIR = str(tmp_path / "mine" / "bin")
        assert backups.pg_tool("pg_dump", 15) == str(tmp_path / "mine/bin/pg_dump")
        settings.POSTGRES_BIN_DIR = str(tmp_path / "nothing")
        with pytest.raises(BackupError, match="^找不到 PostgreSQL 15 或更新版本的 pg_dump"):
            backups.pg_tool("pg_dump", 15)

    def test_the_password_goes_in_the_environment(self):
        """PGPASSWORD carries the password; no command line ever does."""
        database = Database(engine="postgresql", name="news", host="db.example", port="5433", user="u", password="s3cret")
        env = backups.pg_env(database)
        assert {k: env[k] for k in ("PGDATABASE", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")} == {
            "PGDATABASE": "news", "PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "u", "PGPASSWORD": "s3cret"
        }

    @pytest.mark.skipif(not POSTGRES, reason="runs the real pg_dump against the suite's PostgreSQL server")
    def test_pg_dump_gets_no_password_argument(self, source, media_root, backup_dir, tmp_path, settings):
        """The real pg_dump, wrapped to record its arguments: the password is not among them."""
        real = backups.pg_tool("pg_dump", backups.pg_server_major(source))
        wrapper = tmp_path / "bin" / "pg_dump"
        wrapper.parent.mkdir()
        wrapper.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/args\necho "$PGPASSWORD" >> {tmp_path}/env\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
        for tool in ("pg_restore", "psql"):
            (wrapper.parent / tool).symlink_to(Path(real).parent / tool)
        settings.POSTGRES_BIN_DIR = str(wrapper.parent)
        backup_create(database=source, media_root=media_root, directory=backup_dir)
        args = (tmp_path / "args").read_text()
        assert source.password and source.password not in args and "--format=custom" in args
        assert (tmp_path / "env").read_text().split("\n")[-2] == source.password
