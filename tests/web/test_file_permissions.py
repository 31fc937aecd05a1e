"""The workspace's personal data is its owner's only, whatever the umask: the SQLite
database and its -wal/-shm 0600, the uploads folder 0700 and each upload 0600, the stored
files (MEDIA_ROOT) 0600 in folders 0700."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.personas import World

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

# A process with a permissive umask opens the database, writes (so SQLite keeps its -wal
# and -shm beside it) and reports the modes while the connection is open.
OPEN_AND_REPORT = """
import json, os, sys
os.umask(0)
import zhijian.web
zhijian.web.setup_django()
zhijian.web.ensure_database()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("create table if not exists probe (x integer)")
    cursor.execute("insert into probe values (1)")
    home = os.environ["ZHIJIAN_HOME"]
    names = ("zhijian.sqlite3", "zhijian.sqlite3-wal", "zhijian.sqlite3-shm")
    modes = {n: oct(os.stat(os.path.join(home, n)).st_mode & 0o777) for n in names}
    print(json.dumps(modes | {".": oct(os.stat(home).st_mode & 0o777)}))
"""


def _modes_of_a_fresh_process(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"ZHIJIAN_HOME": str(home), "DJANGO_SETTINGS_MODULE": "zhijian.web.settings"}
    result = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_sqlite_database_and_its_journal_files_are_created_0600(tmp_path: Path) -> None:
    modes = _modes_of_a_fresh_process(tmp_path / "home")
    assert modes == {
        ".": "0o700",
        "zhijian.sqlite3": "0o600",
        "zhijian.sqlite3-wal": "0o600",
        "zhijian.sqlite3-shm": "0o600",
    }


def test_an_existing_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    database = home / "zhijian.sqlite3"
    database.touch()
    database.chmod(0o644)
    home.chmod(0o755)
    modes = _modes_of_a_fresh_process(home)
    assert modes["zhijian.sqlite3"] == "0o600"
    assert modes["."] == "0o755"  # a folder the operator made is left as it is


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


@pytest.mark.django_db
def test_an_upload_and_its_folder_are_private(
    world: World, tmp_path: Path, settings: Any, permissive_umask: None
) -> None:
    from zhijian.web.datahub.actions import upload_data_file
    from zhijian.web.datahub.retention import uploads_dir

    settings.HOME = tmp_path / "home"
    content = "facility_code,name\nJN-JY01,山东省测试监狱\n".encode()
    job = upload_data_file(
        "facilities", SimpleUploadedFile("场所.csv", content), actor=world.users["admin"]
    )
    stored = uploads_dir() / job.parameters["stored_as"]
    assert stored.read_bytes() == content
    assert (_mode(uploads_dir()), _mode(stored)) == ("0o700", "0o600")


@pytest.mark.django_db
def test_a_loose_uploads_folder_is_tightened_on_the_next_upload(
    world: World, tmp_path: Path, settings: Any, permissive_umask: None
) -> None:
    from zhijian.web.datahub.actions import upload_data_file
    from zhijian.web.datahub.retention import uploads_dir

    settings.HOME = tmp_path / "home"
    uploads_dir().mkdir(parents=True)
    uploads_dir().chmod(0o755)
    upload_data_file("facilities", SimpleUploadedFile("a.csv", b"x\n"), actor=world.users["admin"])
    assert _mode(uploads_dir()) == "0o700"


@pytest.mark.django_db
def test_stored_files_and_their_folders_are_private(
    world: World, tmp_path: Path, settings: Any, permissive_umask: None
) -> None:
    from tests.web.test_resident_fixtures import write_everything
    from zhijian.web.resident.actions import add_photo

    settings.MEDIA_ROOT = tmp_path / "files"
    problem = write_everything(world)["problem"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    photo = add_photo(
        problem,
        SimpleUploadedFile("门锁.png", png, "image/png"),
        actor=world.users["jinan_resident"],
    )
    stored = Path(photo.image.path)
    assert stored.read_bytes() == png
    folders = [stored.parent, *stored.parent.parents]
    folders = folders[: folders.index(tmp_path)]  # MEDIA_ROOT and the folders below it
    assert [_mode(folder) for folder in folders] == ["0o700"] * len(folders)
    assert len(folders) == 5  # files/resident/photos/<year>/<month>
    assert _mode(stored) == "0o600"
