"""Backup and restore: a backup restored into an empty database holds every item, event, opinion and file."""

from __future__ import annotations

import io
import json
import secrets
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.cases.helpers import drive
from xinfang.cases.models import Attachment, Case, CaseEvent, Opinion, Petitioner
from xinfang.cases.services import UploadInput
from xinfang.cases.states import Status
from xinfang.documents.models import IssuedDocument
from xinfang.ops.backup import BackupError, create_backup, restore_backup

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF"
TXT = "陈大明的补充材料：工资条与欠条照片说明。".encode()


def needs_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite backup path")


def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _fill(petition, county):
    """Items in several states, with events, opinions, petitioners and two attachments."""
    replied = drive(petition, county, Status.DELIVERED)
    with_files = petition(
        title="东街村垃圾清运不及时",
        attachments=[UploadInput(name="材料.pdf", content=PDF), UploadInput(name="说明.txt", content=TXT)],
    )
    plain = petition(title="西山乡农村低保评定不公")
    return [replied, with_files, plain]


def _expected():
    return {
        "items": sorted(Case.objects.values_list("pk", "number", "title", "status", "query_code")),
        "petitioners": sorted(Petitioner.objects.values_list("pk", "case_id", "name", "id_number", "phone")),
        "events": sorted(CaseEvent.objects.values_list("pk", "case_id", "action", "to_status")),
        "opinions": sorted(Opinion.objects.values_list("pk", "case_id", "document_number", "opinion")),
        "attachments": sorted(Attachment.objects.values_list("pk", "case_id", "file", "original_name", "size")),
    }


def _read_restored(db_file: Path):
    db = sqlite3.connect(db_file)
    try:
        return {
            "items": sorted(db.execute("SELECT id, number, title, status, query_code FROM cases_case").fetchall()),
            "petitioners": sorted(
                db.execute("SELECT id, case_id, name, id_number, phone FROM cases_petitioner").fetchall()
            ),
            "events": sorted(db.execute("SELECT id, case_id, action, to_status FROM cases_caseevent").fetchall()),
            "opinions": sorted(
                db.execute("SELECT id, case_id, document_number, opinion FROM cases_opinion").fetchall()
            ),
            "attachments": sorted(
                db.execute("SELECT id, case_id, file, original_name, size FROM cases_attachment").fetchall()
            ),
        }
    finally:
        db.close()


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_everything_into_an_empty_database(petition, county, tmp_path):
    needs_sqlite()
    _fill(petition, county)
    expected = _expected()
    assert expected["opinions"] and expected["attachments"] and len(expected["events"]) > 5
    originals = {a.file.name: default_storage.open(a.file.name).read() for a in Attachment.objects.all()}
    # The delivered reply's acts issued 受理告知书, 延期告知书 and 处理意见书: their files are backed up too.
    issued = {d.file.name: default_storage.open(d.file.name).read() for d in IssuedDocument.objects.all()}
    assert len(issued) == 3

    archive = tmp_path / "backup.tar.gz"
    result = create_backup(archive)
    assert result.counts["items"] == 3 and result.files == 2 + 3 and not result.missing_files

    fresh_db, media = tmp_path / "restored" / "xinfang.sqlite3", tmp_path / "restored-media"
    assert not fresh_db.exists()
    restored = restore_backup(
        archive,
        database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(fresh_db)},
        storage=FileSystemStorage(location=media),
    )
    assert restored.counts == result.counts and restored.files == 2 + 3

    assert _read_restored(fresh_db) == {key: [tuple(r) for r in rows] for key, rows in expected.items()}
    for name, data in {**originals, **issued}.items():
        assert (media / name).read_bytes() == data
    assert sorted(originals.values()) == sorted([PDF, TXT])


@pytest.mark.django_db(transaction=True)
def test_manifest_lists_versions_migrations_counts_and_checksums(petition, county, tmp_path):
    needs_sqlite()
    _fill(petition, county)
    archive = tmp_path / "b.tar.gz"
    create_backup(archive)
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = set(tar.getnames())
    assert manifest["format"] == "xinfang-backup" and manifest["format_version"] == 1
    assert manifest["vendor"] == "sqlite" and manifest["app_version"]
    assert "0001_initial" in manifest["migrations"]["cases"]
    assert manifest["counts"]["items"] == 3 and manifest["counts"]["attachments"] == 2
    assert names == {"manifest.json", *manifest["members"]}
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_target_with_data_unless_forced(petition, county, tmp_path):
    needs_sqlite()
    _fill(petition, county)
    archive = tmp_path / "b.tar.gz"
    create_backup(archive)
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "t.sqlite3")}
    storage = FileSystemStorage(location=tmp_path / "m")
    restore_backup(archive, database=target, storage=storage)
    with pytest.raises(BackupError, match="目标数据库中已有数据.*--force"):
        restore_backup(archive, database=target, storage=storage)
    # Forced: the same data again, files overwritten under their own names.
    again = restore_backup(archive, database=target, storage=storage, force=True)
    assert again.counts["items"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_freshly_migrated_database_is_an_empty_target(petition, county, tmp_path):
    """Seed rows written by migrations (calendar, deadline rules, categories) do not make a target "in use"."""
    needs_sqlite()
    migrated = tmp_path / "migrated.sqlite3"
    # The test database as migrations left it: copy it and remove the fixture's units and users from the copy.
    connection.ensure_connection()
    copy = sqlite3.connect(migrated)
    connection.connection.backup(copy)
    for table in ("orgs_grant", "orgs_user"):
        copy.execute(f"DELETE FROM {table}")  # noqa: S608
    copy.execute("UPDATE orgs_unit SET parent_id = NULL, head_id = NULL, party_secretary_id = NULL")
    copy.execute("DELETE FROM orgs_unit")
    copy.commit()
    assert copy.execute("SELECT COUNT(*) FROM deadlines_deadlinerule").fetchone()[0] > 0
    copy.close()

    _fill(petition, county)
    archive = tmp_path / "b.tar.gz"
    create_backup(archive)
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(migrated)}
    restored = restore_backup(archive, database=target, storage=FileSystemStorage(location=tmp_path / "m"))
    assert restored.counts["items"] == 3


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy an archive member by member, letting ``change(name, data)`` alter a member's bytes."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_corrupt_or_tampered_archives_are_refused_and_nothing_is_written(petition, county, tmp_path):
    needs_sqlite()
    _fill(petition, county)
    archive = tmp_path / "good.tar.gz"
    create_backup(archive)
    raw = archive.read_bytes()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive at all")

    def flip_file(name, data):
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, flip_file)
    missing = tmp_path / "missing.tar.gz"
    _rewrite(archive, missing, lambda name, data: None if name == "database.sqlite3" else data)
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        body = json.dumps({"format": "something-else"}).encode()
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    escape = tmp_path / "escape.tar.gz"
    _rewrite(archive, escape, lambda name, data: data)
    with tarfile.open(escape, "r:gz") as src:
        members = [(m, src.extractfile(m).read()) for m in src.getmembers()]
    with tarfile.open(escape, "w:gz") as dst:
        for m, data in members:
            info = tarfile.TarInfo("files/../../evil.txt" if m.name.startswith("files/") else m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))

    messages = {
        truncated: "无法读取备份文件",
        garbage: "无法读取备份文件",
        tampered: "校验值不符",
        missing: "与清单不符",
        foreign: "不是信访通的备份文件",
        escape: "不允许的条目",
        tmp_path / "absent.tar.gz": "不存在",
    }
    target_db, media = tmp_path / "target.sqlite3", tmp_path / "media"
    for bad, message in messages.items():
        with pytest.raises(BackupError, match=message):
            restore_backup(
                bad,
                database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(target_db)},
                storage=FileSystemStorage(location=media),
            )
        assert not target_db.exists(), bad.name
        assert not media.exists(), bad.name
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_commands_end_with_a_json_summary_and_speak_chinese_on_errors(petition, county, tmp_path):
    needs_sqlite()
    _fill(petition, county)
    out = io.StringIO()
    archive = tmp_path / "cmd.tar.gz"
    call_command("backup", "--out", str(archive), stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["path"] == str(archive) and summary["bytes"] == archive.stat().st_size
    assert summary["counts"]["items"] == 3 and summary["files"] == 2 + IssuedDocument.objects.count()

    with pytest.raises(CommandError, match="目标数据库中已有数据"):
        call_command("restore", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("backup", "--out", str(tmp_path / "no-such-dir" / "b.tar.gz"), stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_into_a_fresh_database(petition, county, tmp_path):
    needs_postgres()
    _fill(petition, county)
    expected = _expected()
    originals = {a.file.name: default_storage.open(a.file.name).read() for a in Attachment.objects.all()}
    archive = tmp_path / "pg.tar.gz"
    result = create_backup(archive)
    with tarfile.open(archive, "r:gz") as tar:
        assert "database.pgdump" in tar.getnames()

    name = f"xf_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    target = dict(connection.settings_dict, NAME=name)
    try:
        media = tmp_path / "media"
        restored = restore_backup(archive, database=target, storage=FileSystemStorage(location=media))
        assert restored.counts == result.counts
        import psycopg

        params = {k: v for k, v in {
            "dbname": name, "host": target.get("HOST"), "port": target.get("PORT"),
            "user": target.get("USER"), "password": target.get("PASSWORD"),
        }.items() if v}
        with psycopg.connect(**params) as db:
            got = {
                "items": sorted(db.execute("SELECT id, number, title, status, query_code FROM cases_case").fetchall()),
                "petitioners": sorted(
                    db.execute("SELECT id, case_id, name, id_number, phone FROM cases_petitioner").fetchall()
                ),
                "events": sorted(db.execute("SELECT id, case_id, action, to_status FROM cases_caseevent").fetchall()),
                "opinions": sorted(
                    db.execute("SELECT id, case_id, document_number, opinion FROM cases_opinion").fetchall()
                ),
                "attachments": sorted(
                    db.execute("SELECT id, case_id, file, original_name, size FROM cases_attachment").fetchall()
                ),
            }
        assert got == {key: [tuple(r) for r in rows] for key, rows in expected.items()}
        for file_name, data in originals.items():
            assert (media / file_name).read_bytes() == data
        # A second restore into the now filled database is refused without force.
        with pytest.raises(BackupError, match="已有数据"):
            restore_backup(archive, database=target, storage=FileSystemStorage(location=media))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
