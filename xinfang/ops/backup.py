"""Backup and restore of the whole system: the database and every stored file, in one archive.

The archive is a gzip-compressed tar file with three kinds of members:

- ``manifest.json``: format and version, the database vendor, the applied migrations per app, when it was made,
  counts of the main records and the sha256 of every other member;
- the database dump: ``database.sqlite3`` (a consistent copy made through SQLite's backup API) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``files/<name>``: every file a model's ``FileField`` refers to (attachments today, generated documents later),
  read and written through the configured storage, so a different storage backend needs no change here.

Restore checks the whole archive (format, vendor, every checksum, member names) before it touches anything, then
replaces the database, writes the files and compares the record counts with the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.models import FileField
from django.db.utils import ConnectionHandler

from xinfang.core import clock
from xinfang.core.errors import XinfangError

FORMAT = "xinfang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}

# What the manifest counts and restore verifies: (key, app label, model name).
COUNTED = [
    ("units", "orgs", "Unit"),
    ("users", "orgs", "User"),
    ("items", "cases", "Case"),
    ("petitioners", "cases", "Petitioner"),
    ("events", "cases", "CaseEvent"),
    ("clocks", "cases", "Clock"),
    ("opinions", "cases", "Opinion"),
    ("attachments", "cases", "Attachment"),
    ("evaluations", "cases", "Evaluation"),
]


class BackupError(XinfangError):
    """A backup or restore could not be made; the message says why and what to do (nothing was changed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="backup")


@dataclass
class BackupResult:
    path: str
    bytes: int
    vendor: str
    counts: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "bytes": self.bytes,
            "vendor": self.vendor,
            "counts": self.counts,
            "files": self.files,
            "missing_files": len(self.missing_files),
        }


@dataclass
class RestoreResult:
    path: str
    bytes: int
    vendor: str
    counts: dict[str, int]
    files: int
    created_at: str

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "bytes": self.bytes,
            "vendor": self.vendor,
            "counts": self.counts,
            "files": self.files,
            "backup_created_at": self.created_at,
        }


# --- helpers -------------------------------------------------------------------------------------------------


def _vendor(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"不支持备份此类数据库（{engine}）：仅支持 SQLite 和 PostgreSQL。")


def _app_version() -> str:
    try:
        return metadata.version("xinfang")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_fields() -> list[tuple[Any, str]]:
    """Every (model, field name) that stores a file: attachments today, generated documents when they come."""
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, FileField):
                found.append((model, f.name))
    return found


def _counts(connection) -> dict[str, int]:
    """Row counts of the counted tables, read through ``connection`` (which may not be Django's default)."""
    tables = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for key, app_label, model_name in COUNTED:
            table = apps.get_model(app_label, model_name)._meta.db_table
            if table not in tables:
                counts[key] = 0
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (table names from models)
            counts[key] = cursor.fetchone()[0]
    return counts


def _has_data(connection) -> bool:
    """True if the database holds units, users or items. Tables that migrations fill (calendar, deadline rules,
    categories) do not count, so a freshly migrated database is still a valid restore target."""
    return any(_counts(connection).values())


def _migrations(connection) -> dict[str, list[str]]:
    if "django_migrations" not in connection.introspection.table_names():
        return {}
    state: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute('SELECT "app", "name" FROM "django_migrations" ORDER BY "app", "name"')
        for app, name in cursor.fetchall():
            state.setdefault(app, []).append(name)
    return state


def _unknown_migrations(state: dict[str, list[str]]) -> list[str]:
    """Migrations recorded in the backup that this code does not have (a backup from a newer version)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    local_apps = {config.label for config in apps.get_app_configs()}
    return [
        f"{app}.{name}" for app, names in sorted(state.items()) if app in local_apps
        for name in names if (app, name) not in known
    ]


@contextlib.contextmanager
def _target_connection(settings_dict: dict[str, Any]):
    """A separate Django connection to the given database (so a restore target need not be ``default``)."""
    handler = ConnectionHandler({"default": dict(settings_dict)})
    conn = handler["default"]
    try:
        yield conn
    finally:
        conn.close()


# --- PostgreSQL tools ----------------------------------------------------------------------------------------


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump/pg_restore: the password only ever in PGPASSWORD."""
    env = dict(os.environ)
    args: list[str] = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                     ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE")):
        if options.get(key):
            env[var] = str(options[key])
    args += ["--no-password"]
    return args, env


def _pg_tool(name: str) -> tuple[str, int]:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 PostgreSQL 工具 {name}：请安装与数据库服务器同一大版本的 PostgreSQL 客户端"
            f"（Debian：apt-get install postgresql-client），并确认它在 PATH 中。"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise BackupError(f"无法识别 {name} 的版本（{out.strip() or '无输出'}）。")
    return path, int(match.group(1))


def _pg_check_version(tool: str, tool_major: int, connection) -> None:
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if tool_major < server_major:
        raise BackupError(
            f"{tool} 的版本（{tool_major}）低于数据库服务器的版本（{server_major}），无法可靠地备份或恢复。"
            f"请安装 postgresql-client-{server_major}。"
        )


def _run_pg(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what}失败：{' '.join(detail[-3:]) or f'退出码 {proc.returncode}'}")


# --- backup --------------------------------------------------------------------------------------------------


def _dump_database(connection, vendor: str, dest: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        # The backup API copies a consistent snapshot page by page, even while the server keeps writing (WAL).
        target = sqlite3.connect(dest)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return
    tool, major = _pg_tool("pg_dump")
    _pg_check_version("pg_dump", major, connection)
    args, env = _pg_env(connection.settings_dict)
    _run_pg(
        [tool, *args, "--format=custom", "--no-owner", "--file", str(dest), str(connection.settings_dict["NAME"])],
        env,
        "导出 PostgreSQL 数据库（pg_dump）",
    )


def create_backup(out: str | Path, *, using: str = "default", storage: Storage | None = None) -> BackupResult:
    """Write the database and every stored file into one archive at ``out``."""
    storage = storage or default_storage
    out = Path(out)
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} 是一个目录：请给出备份文件的路径，例如 {out / 'xinfang-backup.tar.gz'}。")
    if not out.parent.exists():
        raise BackupError(f"目录 {out.parent} 不存在：请先创建它，或换一个输出路径。")
    connection = connections[using]
    vendor = _vendor(connection.settings_dict)
    counts = _counts(connection)
    migrations = _migrations(connection)

    with tempfile.TemporaryDirectory(prefix="xinfang-backup-") as tmp:
        tmpdir = Path(tmp)
        db_member = DB_MEMBERS[vendor]
        db_path = tmpdir / db_member
        _dump_database(connection, vendor, db_path)
        members: dict[str, dict[str, Any]] = {db_member: {"sha256": _sha256_file(db_path), "bytes": db_path.stat().st_size}}

        names: set[str] = set()
        for model, fname in _file_fields():
            names.update(
                n for n in model._default_manager.using(using).exclude(**{fname: ""}).values_list(fname, flat=True) if n
            )
        missing: list[str] = []
        file_blobs: dict[str, Path] = {}
        for index, name in enumerate(sorted(names)):
            try:
                with storage.open(name, "rb") as fh:
                    data = fh.read()
            except (FileNotFoundError, OSError):
                missing.append(name)
                continue
            blob = tmpdir / f"file-{index}"
            blob.write_bytes(data)
            member = FILES_PREFIX + name
            file_blobs[member] = blob
            members[member] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": _app_version(),
            "vendor": vendor,
            "created_at": clock.now().isoformat(),
            "migrations": migrations,
            "counts": counts,
            "files": len(file_blobs),
            "missing_files": missing,
            "members": members,
        }
        partial = out.with_name(out.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as tar:
                raw = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(raw)
                info.mtime = int(clock.now().timestamp())
                tar.addfile(info, io.BytesIO(raw))
                tar.add(db_path, arcname=db_member, recursive=False)
                for member, blob in file_blobs.items():
                    tar.add(blob, arcname=member, recursive=False)
            # Only a complete archive gets the requested name: an interrupted run leaves no file that looks valid.
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=str(out),
        bytes=out.stat().st_size,
        vendor=vendor,
        counts=counts,
        files=len(file_blobs),
        missing_files=missing,
    )


# --- restore -------------------------------------------------------------------------------------------------


@dataclass
class _Checked:
    manifest: dict[str, Any]
    workdir: Path
    db_file: Path
    files: dict[str, Path]


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix() and name != ""


def _read_archive(archive: Path, workdir: Path) -> _Checked:
    """Open and check the archive completely, extracting into ``workdir``; raise BackupError on any fault."""
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在或不是文件。")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            entries = tar.getmembers()
            by_name = {}
            for entry in entries:
                if not entry.isfile() or not _safe_member(entry.name) or entry.name in by_name:
                    raise BackupError(f"备份文件中有不允许的条目「{entry.name}」，可能被篡改，未做任何修改。")
                by_name[entry.name] = entry
            if MANIFEST not in by_name:
                raise BackupError("备份文件中没有 manifest.json：这不是信访通的备份文件，未做任何修改。")
            manifest_fh = tar.extractfile(by_name[MANIFEST])
            try:
                manifest = json.loads(manifest_fh.read().decode("utf-8")) if manifest_fh else None
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise BackupError("备份文件的 manifest.json 无法解析，文件已损坏，未做任何修改。") from exc
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError("这不是信访通的备份文件（格式标识不符），未做任何修改。")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"备份格式版本为 {manifest.get('format_version')}，本程序只能恢复版本 {FORMAT_VERSION}："
                    "请用生成该备份的信访通版本恢复。"
                )
            members = manifest.get("members")
            vendor = manifest.get("vendor")
            if not isinstance(members, dict) or vendor not in DB_MEMBERS:
                raise BackupError("备份文件的 manifest.json 内容不完整，文件已损坏，未做任何修改。")
            listed = set(members)
            present = set(by_name) - {MANIFEST}
            if listed != present:
                lost = sorted(listed - present)[:3]
                extra = sorted(present - listed)[:3]
                raise BackupError(
                    f"备份文件内容与清单不符（缺少：{'、'.join(lost) or '无'}；多出：{'、'.join(extra) or '无'}），"
                    "文件已损坏或被改动，未做任何修改。"
                )
            db_member = DB_MEMBERS[vendor]
            if db_member not in members:
                raise BackupError(f"备份文件中缺少数据库文件 {db_member}，未做任何修改。")
            files: dict[str, Path] = {}
            for index, name in enumerate(sorted(listed)):
                if name != db_member and not name.startswith(FILES_PREFIX):
                    raise BackupError(f"备份文件中有不认识的条目「{name}」，未做任何修改。")
                fh = tar.extractfile(by_name[name])
                target = workdir / ("database" if name == db_member else f"file-{index}")
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != members[name].get("sha256"):
                    raise BackupError(f"备份文件中「{name}」的校验值不符，文件已损坏或被改动，未做任何修改。")
                if name != db_member:
                    files[name[len(FILES_PREFIX) :]] = target
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"无法读取备份文件 {archive}：文件已损坏或不是 tar.gz 格式（{exc}），未做任何修改。") from exc
    return _Checked(manifest=manifest, workdir=workdir, db_file=workdir / "database", files=files)


def _restore_sqlite(checked: _Checked, settings_dict: dict[str, Any], live_alias: str | None) -> None:
    name = str(settings_dict["NAME"])
    src = sqlite3.connect(checked.db_file)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份中的 SQLite 数据库未通过完整性检查，未做任何修改。")
        if live_alias is not None:
            # The running process's own connection: copy into it, so in-memory databases work as well.
            conn = connections[live_alias]
            conn.close()
            conn.ensure_connection()
            src.backup(conn.connection)
            conn.close()
        else:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
            dest = sqlite3.connect(name)
            try:
                # Page-by-page copy under the destination's lock: replaces every table, WAL included.
                src.backup(dest)
            finally:
                dest.close()
    finally:
        src.close()


def _restore_postgresql(checked: _Checked, connection) -> None:
    tool, major = _pg_tool("pg_restore")
    _pg_check_version("pg_restore", major, connection)
    args, env = _pg_env(connection.settings_dict)
    connection.close()
    _run_pg(
        [
            tool,
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(checked.db_file),
        ],
        env,
        "恢复 PostgreSQL 数据库（pg_restore）",
    )


def restore_backup(
    archive: str | Path,
    *,
    using: str = "default",
    database: dict[str, Any] | None = None,
    storage: Storage | None = None,
    force: bool = False,
) -> RestoreResult:
    """Restore ``archive`` into the database ``using`` (or the one described by ``database``) and ``storage``.

    Refuses a target that already holds data unless ``force``; checks the whole archive before changing anything.
    """
    archive = Path(archive)
    storage = storage or default_storage
    settings_dict = dict(database) if database is not None else dict(connections[using].settings_dict)
    vendor = _vendor(settings_dict)
    with tempfile.TemporaryDirectory(prefix="xinfang-restore-") as tmp:
        checked = _read_archive(archive, Path(tmp))
        manifest = checked.manifest
        if manifest["vendor"] != vendor:
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise BackupError(
                f"这是 {names[manifest['vendor']]} 数据库的备份，而当前数据库是 {names[vendor]}，不能直接恢复，未做任何修改。"
            )
        unknown = _unknown_migrations(manifest.get("migrations") or {})
        if unknown:
            raise BackupError(
                f"备份来自更新版本的信访通（含本程序没有的数据库迁移：{'、'.join(unknown[:3])}），"
                "请先升级信访通再恢复，未做任何修改。"
            )
        ctx = contextlib.nullcontext(connections[using]) if database is None else _target_connection(settings_dict)
        with ctx as connection:
            fresh_file = vendor == "sqlite" and database is not None and not Path(str(settings_dict["NAME"])).exists()
            if not force and not fresh_file and _has_data(connection):
                raise BackupError(
                    "目标数据库中已有数据，为防止覆盖，未做任何修改。确认要用备份替换现有全部数据时，请加 --force 重新运行。"
                )
            if vendor == "sqlite":
                _restore_sqlite(checked, settings_dict, using if database is None else None)
            else:
                _restore_postgresql(checked, connection)
            for name, blob in checked.files.items():
                if storage.exists(name):
                    storage.delete(name)
                saved = storage.save(name, ContentFile(blob.read_bytes()))
                if saved != name:
                    raise BackupError(f"附件 {name} 无法按原名写回（存储返回 {saved}），请检查附件目录的权限。")
            connection.close()
            counts = _counts(connection)
            connection.close()
        expected = manifest.get("counts", {})
        differ = {k: (expected.get(k), counts.get(k)) for k in expected if expected.get(k) != counts.get(k)}
        if differ:
            detail = "；".join(f"{k} 应为 {a}，实为 {b}" for k, (a, b) in differ.items())
            raise BackupError(f"恢复后核对数量不一致（{detail}），请检查数据库和备份文件。")
    return RestoreResult(
        path=str(archive),
        bytes=archive.stat().st_size,
        vendor=vendor,
        counts=counts,
        files=len(checked.files),
        created_at=str(manifest.get("created_at", "")),
    )
