"""Backups: one file with the database, the media files and a manifest; and restoring one.

A backup is a gzipped tar archive: the database (a SQLite file copied with SQLite's online
backup API, or a `pg_dump -Fc` archive), the media files under `media/`, and last a
`manifest.json` with the format version, the database engine, the applied migrations and
every file's size and SHA-256. Restoring reads and checks the whole file before it
changes anything, takes a backup of the current state first, and replaces the database
in one transaction.

The media are those of a Django storage: a local folder (FileSystemStorage, read from the
disk) or any other storage such as an S3 bucket, listed, read and written through the
storage's own API, so that sites whose media live in a bucket back them up too.
"""
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT, FORMAT_VERSION = "newsroom-backup", 1
SQLITE, POSTGRESQL = "sqlite", "postgresql"
ENGINES = {"django.db.backends.sqlite3": SQLITE, "django.db.backends.postgresql": POSTGRESQL}
ENGINE_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
DUMP_NAMES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}
MANIFEST_NAME, MEDIA_DIR = "manifest.json", "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that did not happen; the message is one line for the operator."""


@dataclass(frozen=True)
class Database:
    """Where a database is, from a Django DATABASES entry; the functions below connect to it."""

    engine: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_settings(cls, entry: dict) -> "Database":
        engine = ENGINES.get(entry["ENGINE"])
        if engine is None:
            raise BackupError(_("不支持备份这种数据库：%(engine)s。") % {"engine": entry["ENGINE"]})
        return cls(
            engine=engine,
            name=str(entry["NAME"]),
            host=entry.get("HOST") or "",
            port=str(entry.get("PORT") or ""),
            user=entry.get("USER") or "",
            password=entry.get("PASSWORD") or "",
            options=dict(entry.get("OPTIONS") or {}),
        )

    @property
    def label(self) -> str:
        return f"{ENGINE_LABELS[self.engine]} {self.name}"


@dataclass
class Manifest:
    engine: str
    created_at: str
    migrations: list[tuple[str, str]]
    files: dict[str, dict]

    def to_json(self) -> bytes:
        data = {"format": FORMAT, "version": FORMAT_VERSION, "engine": self.engine,
                "created_at": self.created_at, "migrations": [".".join(m) for m in self.migrations],
                "files": self.files}
        return json.dumps(data, ensure_ascii=False, indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, path: Path) -> "Manifest":
        try:
            data = json.loads(raw)
            if data["format"] != FORMAT:
                raise ValueError(data["format"])
            if data["version"] > FORMAT_VERSION:
                raise BackupError(_("%(path)s 是更新版本的备份格式（%(version)s），请先升级程序。")
                                  % {"path": path, "version": data["version"]})
            return cls(engine=data["engine"], created_at=data["created_at"],
                       migrations=[tuple(m.split(".", 1)) for m in data["migrations"]], files=data["files"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError(_("%(path)s 不是本网站的备份文件。") % {"path": path}) from None

    @property
    def created_local(self) -> str:
        return timezone.localtime(dt.datetime.fromisoformat(self.created_at)).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def media_count(self) -> int:
        return sum(1 for name in self.files if name.startswith(f"{MEDIA_DIR}/"))


# --- making a backup ---------------------------------------------------------------------


def backup_create(*, database: Database, directory: Path, media_root: Path | None = None,
                  storage: Storage | None = None, label: str = "") -> Path:
    """Write one backup file into `directory` and return its path.

    The media are the files of `storage`, or of the folder `media_root`. The file appears
    under its final name only once it is complete, so an interrupted backup never leaves
    something that looks like a backup.
    """
    media = media_of(media_root=media_root, storage=storage)
    with staging_folder(directory) as stage:
        dump = stage / DUMP_NAMES[database.engine]
        dump_database(database, dump)
        manifest = Manifest(engine=database.engine, created_at=timezone.now().isoformat(),
                            migrations=dump_migrations(database.engine, dump), files={})
        partial = stage / "backup.tar.gz"
        write_archive(partial, dump=dump, media=media, manifest=manifest)
        partial.chmod(0o600)  # it holds password hashes and sessions
        return publish_file(partial, directory=directory, stem=backup_stem(label))


def write_archive(target: Path, *, dump: Path, media: "FolderMedia | StoredMedia", manifest: Manifest) -> None:
    # The manifest goes last: it holds the checksums of what came before it.
    with tarfile.open(target, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        manifest.files[dump.name] = add_file(tar, dump.name, dump)
        for name in media.names():
            try:
                manifest.files[f"{MEDIA_DIR}/{name}"] = media.add_to(tar, name)
            except FileNotFoundError:
                continue  # deleted since it was listed: the database no longer needs it either
        add_bytes(tar, MANIFEST_NAME, manifest.to_json())
    with open(target, "rb") as written:
        os.fsync(written.fileno())


class HashingReader:
    """A file read once: counted and hashed as tarfile copies it into the archive."""

    def __init__(self, file):
        self.file, self.sha, self.size = file, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data


def add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    with open(path, "rb") as file:
        stat = os.fstat(file.fileno())
        return add_stream(tar, name, file, size=stat.st_size, mtime=int(stat.st_mtime), origin=path)


def add_stream(tar: tarfile.TarFile, name: str, file, *, size: int, mtime: int, origin) -> dict:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    reader = HashingReader(file)
    try:
        tar.addfile(info, reader)
    except OSError:  # the file shrank while it was read
        raise BackupError(_("%(path)s 在备份过程中被修改，请重新备份。") % {"path": origin}) from None
    return {"size": reader.size, "sha256": reader.sha.hexdigest()}


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o644
    tar.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset:end], min(end, len(self.data))
        return chunk


def backup_stem(label: str) -> str:
    return "newsroom-" + timezone.localtime().strftime("%Y%m%d-%H%M%S") + (f"-{label}" if label else "")


def publish_file(partial: Path, *, directory: Path, stem: str) -> Path:
    """Give the finished file its name, numbered if a backup of the same second has it."""
    for attempt in range(1, 1000):
        target = directory / (f"{stem}.tar.gz" if attempt == 1 else f"{stem}-{attempt}.tar.gz")
        try:
            os.link(partial, target)  # fails if the name exists, unlike a rename
        except FileExistsError:
            continue
        return target
    raise BackupError(_("%(directory)s 中同名的备份太多。") % {"directory": directory})


def media_files(media_root: Path) -> list[tuple[str, Path]]:
    """Every regular file under the media folder, by its name in the archive."""
    if not media_root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(media_root):
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((f"{MEDIA_DIR}/{path.relative_to(media_root).as_posix()}", path))
    return sorted(found)


# --- where the media are ------------------------------------------------------------------


def media_of(*, media_root: Path | None = None, storage: Storage | None = None) -> "FolderMedia | StoredMedia":
    """The media to back up or restore: a folder, or a storage (a local one is its folder)."""
    if storage is None:
        return FolderMedia(Path(media_root))
    if isinstance(storage, FileSystemStorage):
        # The disk directly: symlinks are skipped and each restored file is swapped in whole.
        return FolderMedia(Path(storage.location))
    return StoredMedia(storage)


@dataclass(frozen=True)
class FolderMedia:
    """Media files in a folder on this machine."""

    root: Path

    @property
    def label(self) -> str:
        return str(self.root)

    def names(self) -> list[str]:
        return [name.removeprefix(f"{MEDIA_DIR}/") for name, _path in media_files(self.root)]

    def add_to(self, tar: tarfile.TarFile, name: str) -> dict:
        return add_file(tar, f"{MEDIA_DIR}/{name}", self.root / name)

    def replace_with(self, source: Path) -> None:
        media_replace(source, self.root)


@dataclass(frozen=True)
class StoredMedia:
    """Media files in a storage that is not a local folder (an S3 bucket), through its API."""

    storage: Storage

    @property
    def label(self) -> str:
        bucket = getattr(self.storage, "bucket_name", "")
        if not bucket:
            return self.storage.__class__.__name__  # the real class, through default_storage's proxy
        return f"s3://{bucket}/{self.storage.location}".rstrip("/")

    def names(self) -> list[str]:
        found, folders = [], [""]
        while folders:
            folder = folders.pop()
            dirs, files = self.storage.listdir(folder)
            prefix = f"{folder}/" if folder else ""
            folders.extend(prefix + d for d in dirs)
            found.extend(prefix + f for f in files if f)
        return sorted(found)

    def add_to(self, tar: tarfile.TarFile, name: str) -> dict:
        # Objects are never overwritten in place (file_overwrite is off), so the size read
        # before the body is the size of the body.
        size = self.storage.size(name)
        with self.storage.open(name, "rb") as file:
            return add_stream(tar, f"{MEDIA_DIR}/{name}", file, size=size, mtime=int(timezone.now().timestamp()),
                              origin=name)

    def replace_with(self, source: Path) -> None:
        """Make the storage hold exactly the backup's files: each written whole, then the rest deleted."""
        wanted = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()) \
            if source.is_dir() else []
        for name in wanted:
            # A storage that never overwrites would give the file another name: delete it first.
            with suppress(FileNotFoundError):
                self.storage.delete(name)
            with open(source / name, "rb") as file:
                saved = self.storage.save(name, File(file, name=name))
            if saved != name:
                raise BackupError(_("媒体文件 %(name)s 无法以原名写回（得到 %(saved)s）。") % {"name": name, "saved": saved})
        for name in set(self.names()) - set(wanted):
            self.storage.delete(name)


@contextmanager
def staging_folder(directory: Path) -> Iterator[Path]:
    """A private folder inside the backup directory, removed afterwards whatever happens."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# --- reading a backup --------------------------------------------------------------------


@dataclass
class OpenedBackup:
    """A backup file unpacked into a staging folder and checked against its manifest."""

    path: Path
    manifest: Manifest
    folder: Path

    @property
    def dump(self) -> Path:
        return self.folder / DUMP_NAMES[self.manifest.engine]

    @property
    def pending_migrations(self) -> list[tuple[str, str]]:
        """Migrations this code has that the backup's database had not applied."""
        return sorted(code_migrations() - set(self.manifest.migrations))


@contextmanager
def opened_backup(path: Path, *, database: Database, directory: Path) -> Iterator[OpenedBackup]:
    """Unpack and check the whole file, refusing anything that could not restore cleanly."""
    if not path.is_file():
        raise BackupError(_("%(path)s 不存在或不是文件。") % {"path": path})
    with staging_folder(directory) as stage:
        manifest = unpack(path, stage)
        check_restorable(path, manifest, database)
        yield OpenedBackup(path=path, manifest=manifest, folder=stage)


def unpack(path: Path, folder: Path) -> Manifest:
    with open(path, "rb") as file:
        if file.read(2) != b"\x1f\x8b":
            raise BackupError(_("%(path)s 不是本网站的备份文件。") % {"path": path})
    found, manifest = {}, None
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST_NAME and member.isfile():
                    manifest = tar.extractfile(member).read()
                else:
                    found[member.name] = extract_member(tar, member, folder, path=path)
            while tar.fileobj.read(CHUNK):  # the rest of the stream: gzip checks its length and CRC
                pass
    except EOFError:
        raise corrupt(path, _("文件被截断")) from None
    except (zlib.error, gzip.BadGzipFile):
        raise corrupt(path, _("压缩数据校验失败")) from None
    except tarfile.TarError:
        raise corrupt(path, _("归档结构损坏")) from None
    if manifest is None:
        raise BackupError(_("%(path)s 不是本网站的备份文件。") % {"path": path})
    return checked_manifest(Manifest.from_json(manifest, path=path), found, path=path)


def extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, folder: Path, *, path: Path) -> dict:
    """Write one member into the staging folder, hashing it; refuse anything but plain files."""
    parts = PurePosixPath(member.name).parts
    inside = parts in {(DUMP_NAMES[SQLITE],), (DUMP_NAMES[POSTGRESQL],)} or (len(parts) > 1 and parts[0] == MEDIA_DIR)
    if not member.isfile() or not inside or ".." in parts or member.name.startswith("/"):
        raise BackupError(_("%(path)s 不是本网站的备份文件。") % {"path": path})
    target = folder.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    sha, size = hashlib.sha256(), 0
    with tar.extractfile(member) as source, open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


def checked_manifest(manifest: Manifest, found: dict[str, dict], *, path: Path) -> Manifest:
    if manifest.engine not in DUMP_NAMES or DUMP_NAMES[manifest.engine] not in manifest.files:
        raise BackupError(_("%(path)s 不是本网站的备份文件。") % {"path": path})
    for name, expected in manifest.files.items():
        if found.get(name) != expected:
            raise corrupt(path, _("%(name)s 与清单不符") % {"name": name})
    if extra := sorted(set(found) - set(manifest.files)):
        raise corrupt(path, _("%(name)s 不在清单中") % {"name": extra[0]})
    return manifest


def corrupt(path: Path, detail: str) -> BackupError:
    return BackupError(_("%(path)s 不完整或已损坏（%(detail)s），没有恢复任何内容。") % {"path": path, "detail": detail})


def check_restorable(path: Path, manifest: Manifest, database: Database) -> None:
    if manifest.engine != database.engine:
        raise BackupError(
            _("%(path)s 是 %(backup)s 数据库的备份，当前数据库是 %(current)s：不能在两种数据库之间恢复。")
            % {"path": path, "backup": ENGINE_LABELS[manifest.engine], "current": ENGINE_LABELS[database.engine]}
        )
    if unknown := sorted(set(manifest.migrations) - code_migrations()):
        raise BackupError(
            _("%(path)s 来自更新的程序版本（含本程序没有的迁移 %(migration)s），请先升级程序再恢复。")
            % {"path": path, "migration": ".".join(unknown[0])}
        )


def code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- restoring -----------------------------------------------------------------------------


@dataclass
class RestoreResult:
    safety_backup: Path
    pending_migrations: list[tuple[str, str]]


def backup_restore(*, backup: OpenedBackup, database: Database, directory: Path, media_root: Path | None = None,
                   storage: Storage | None = None) -> RestoreResult:
    """Replace the database and the media with the backup's, after backing up the current state.

    The media are the files of `storage`, or of the folder `media_root`. The database is
    replaced in one transaction, so it is either the old one or the backup's; the media
    follow once the database has been replaced.
    """
    safety = backup_create(database=database, media_root=media_root, storage=storage, directory=directory,
                           label="before-restore")
    load_database(database, backup.dump, folder=backup.folder)
    media_of(media_root=media_root, storage=storage).replace_with(backup.folder / MEDIA_DIR)
    return RestoreResult(safety_backup=safety, pending_migrations=backup.pending_migrations)


def media_replace(source: Path, media_root: Path) -> None:
    """Make the media folder hold exactly the backup's files; each file is swapped in whole."""
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()} if source.is_dir() else set()
    for relative in sorted(wanted):
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(source / relative, partial)
        os.replace(partial, target)
    if not media_root.is_dir():
        return
    for _name, path in media_files(media_root):
        if path.relative_to(media_root) not in wanted:
            path.unlink()
    for folder, _dirs, _files in sorted(os.walk(media_root), reverse=True):
        if Path(folder) != media_root and not any(Path(folder).iterdir()):
            Path(folder).rmdir()


def dump_database(database: Database, target: Path) -> None:
    (sqlite_dump if database.engine == SQLITE else pg_dump)(database, target)


def load_database(database: Database, dump: Path, *, folder: Path) -> None:
    if database.engine == SQLITE:
        sqlite_load(database, dump)
    else:
        pg_load(database, dump, folder=folder)


def dump_migrations(engine: str, dump: Path) -> list[tuple[str, str]]:
    """The migrations applied in the dumped database, read from the dump itself."""
    return sqlite_dump_migrations(dump) if engine == SQLITE else pg_dump_migrations(dump)


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_connect(database: Database) -> sqlite3.Connection:
    return sqlite3.connect(
        database.name,
        uri=database.name.startswith("file:"),
        timeout=database.options.get("timeout", 60),
        isolation_level=None,
    )


def sqlite_dump(database: Database, target: Path) -> None:
    with closing(sqlite_connect(database)) as live, closing(sqlite3.connect(target)) as copy:
        # One step is one read transaction: a consistent snapshot while others write (WAL).
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it


def sqlite_load(database: Database, dump: Path) -> None:
    with closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(_("备份中的 SQLite 数据库已损坏，没有恢复任何内容。"))
        # The backup API writes the live file in one transaction, through SQLite's own
        # locking: connections that have it open (gunicorn workers) see the old content or
        # the new, never a mix. Swapping the file on disk instead would not be safe in WAL mode.
        with closing(sqlite_connect(database)) as live:
            try:
                source.backup(live, pages=-1)
            except sqlite3.Error as e:
                raise BackupError(_("恢复失败，数据库没有改变：%(error)s") % {"error": e}) from None


def sqlite_dump_migrations(dump: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as db:
        try:
            return [tuple(row) for row in db.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]
        except sqlite3.OperationalError:
            return []  # an empty database: nothing migrated yet


# --- PostgreSQL ------------------------------------------------------------------------------

# libpq settings that may sit in OPTIONS, passed to the client programs as environment.
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS"}
# Debian's versioned client programs: /usr/lib/postgresql/<major>/bin.
PG_LIB = Path("/usr/lib/postgresql")
TOC_TABLE_RE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.M)


def pg_env(database: Database) -> dict[str, str]:
    """The connection for pg_dump, pg_restore and psql; the password never on a command line."""
    env = {**os.environ, "PGDATABASE": database.name, "PGCONNECT_TIMEOUT": "10"}
    for key, value in (("PGHOST", database.host), ("PGPORT", database.port),
                       ("PGUSER", database.user), ("PGPASSWORD", database.password)):
        if value:
            env[key] = value
    for option, value in database.options.items():
        if option in PG_OPTION_ENV:
            env[PG_OPTION_ENV[option]] = str(value)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    return env


def pg_connect(database: Database):
    import psycopg  # only when PostgreSQL is configured; SQLite sites need no driver

    options = {k: v for k, v in database.options.items() if k in PG_OPTION_ENV and k != "options"}
    return psycopg.connect(dbname=database.name, host=database.host or None, port=database.port or None,
                           user=database.user or None, password=database.password or None,
                           connect_timeout=10, **options)


def pg_run(database: Database | None, args: list[str], *, failure: str) -> str:
    """Run a client program; its last error line becomes the one-line message."""
    env = pg_env(database) if database else None
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{failure}：{lines[-1] if lines else result.returncode}")
    return result.stdout


def pg_dump(database: Database, target: Path) -> None:
    # Without owners and grants, the dump restores into a database of another role too.
    tool = pg_tool("pg_dump", pg_server_major(database))
    pg_run(database, [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
           failure=_("pg_dump 失败"))


def pg_load(database: Database, dump: Path, *, folder: Path) -> None:
    """pg_restore writes the SQL, psql runs it with the clean-up before it in one transaction.

    The clean-up drops the tables the backup does not have (from migrations newer than the
    backup), which `pg_restore --clean` alone would leave behind. Any error rolls it all back.
    """
    major = pg_server_major(database)
    script, prelude = folder / "restore.sql", folder / "prelude.sql"
    pg_run(database, [pg_tool("pg_restore", major), "--clean", "--if-exists", "--no-owner",
                      "--no-privileges", "--file", str(script), str(dump)], failure=_("pg_restore 失败，数据库没有改变"))
    prelude.write_text(pg_prelude(database, dump_tables=pg_dump_tables(dump, major=major)))
    pg_run(database, [pg_tool("psql", major), "--no-psqlrc", "--quiet", "--single-transaction",
                      "--set", "ON_ERROR_STOP=1", "--file", str(prelude), "--file", str(script)],
           failure=_("恢复失败，数据库没有改变"))


def pg_dump_tables(dump: Path, *, major: int) -> set[tuple[str, str]]:
    toc = pg_run(None, [pg_tool("pg_restore", major), "--list", str(dump)], failure=_("pg_restore 失败"))
    return set(TOC_TABLE_RE.findall(toc))


def pg_prelude(database: Database, *, dump_tables: set[tuple[str, str]]) -> str:
    from psycopg import sql

    with closing(pg_connect(database)) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        schemas = {schema} | {s for s, _t in dump_tables}
        rows = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)",
                            [sorted(schemas)]).fetchall()
        drops = [sql.SQL("DROP TABLE IF EXISTS {} CASCADE;").format(sql.Identifier(s, t)).as_string(conn)
                 for s, t in sorted(rows) if (s, t) not in dump_tables]
    return "\n".join(drops) + "\n"


def pg_dump_migrations(dump: Path) -> list[tuple[str, str]]:
    args = [pg_tool("pg_restore", 0), "--data-only", "--table", "django_migrations", "--file", "-", str(dump)]
    out = pg_run(None, args, failure=_("pg_restore 失败"))
    match = re.search(r"^COPY \S+ \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", out, re.M | re.S)
    if not match:
        return []
    columns = [c.strip() for c in match.group(1).split(",")]
    app, name = columns.index("app"), columns.index("name")
    rows = [line.split("\t") for line in match.group(2).splitlines()]
    return sorted((row[app], row[name]) for row in rows)


def pg_server_major(database: Database) -> int:
    try:
        with closing(pg_connect(database)) as conn:
            return conn.info.server_version // 10000
    except Exception as e:  # psycopg.Error, or a bad host name
        raise BackupError(_("无法连接 PostgreSQL 数据库 %(name)s：%(error)s") % {"name": database.name, "error": str(e).strip().splitlines()[0]}) from None


def pg_tool(name: str, major: int) -> str:
    """The client program for a server of version `major` (0: any): the same version or newer.

    Debian's /usr/bin/pg_dump is a wrapper that runs the newest installed version, which
    may be older than the server; the versioned folders are looked at first.
    """
    for candidate in pg_tool_candidates(name, major):
        if tool_major(candidate) >= major:
            return candidate
    raise BackupError(
        _("找不到 PostgreSQL %(version)s 或更新版本的 %(tool)s：请安装 postgresql-client-%(version)s"
          "（Debian/Ubuntu：apt-get install postgresql-client-%(version)s），或用环境变量 NEWSROOM_PG_BIN 指向它所在的目录。")
        % {"tool": name, "version": major or ""}
    )


def pg_tool_candidates(name: str, major: int) -> list[str]:
    if settings.POSTGRES_BIN_DIR:
        return [str(Path(settings.POSTGRES_BIN_DIR) / name)]
    versioned = sorted(PG_LIB.glob(f"*/bin/{name}"), key=lambda p: _version(p.parts[-3]), reverse=True)
    found = [str(p) for p in versioned if _version(p.parts[-3]) == major]
    found += [str(p) for p in versioned if str(p) not in found]
    return found + ([which] if (which := shutil.which(name)) else [])


def _version(text: str) -> int:
    return int(text) if text.isdigit() else 0


@cache
def tool_major(path: str) -> int:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return -1
    match = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(match.group(1)) if match else -1

