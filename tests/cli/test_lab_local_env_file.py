"""lab-local's env file holds the student's keys for the offline lab: it is written only where nothing is, as a file
of its own that only its user can read, never through a link, and removed at the end only while it is still the
file this run wrote. Anything else at its path stops lab-local before anything starts (one line, exit 2); a file a
lab-local that is gone left behind is removed, and said so."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from rehearsal.lab_local import EnvFile, EnvFileTaken

ANOTHER = 'write another: make lab-local LAB_LOCAL_ARGS="--env-file PATH"'


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("kind", ["named pipe", "dangling link", "link to a file", "folder"])
def test_a_path_that_is_not_a_file_is_refused_without_being_opened(tmp_path, kind):
    """A named pipe nobody writes to would block a read for ever; through a link the student's keys would land
    wherever it points, and stay there when the link is removed at the end."""
    path, target = tmp_path / "lab-local.env", tmp_path / "elsewhere" / "keys"
    target.parent.mkdir()
    if kind == "named pipe":
        os.mkfifo(path)
        what = "a named pipe"
    elif kind == "folder":
        path.mkdir()
        what = "a folder"
    else:
        if kind == "link to a file":
            target.write_text("export MY_OWN=1\n")
        path.symlink_to(target)
        what = f"a symbolic link (to {target})"
    env_file = EnvFile(path)
    message = f"{path} is {what}, not a file: lab-local writes its env lines only to a file of its own; {ANOTHER}"
    with pytest.raises(EnvFileTaken) as refused:
        env_file.check()
    assert str(refused.value) == message
    assert env_file.clear_leftover() is None
    with pytest.raises(EnvFileTaken):
        env_file.write(["export AWS_REGION=us-east-1"])
    env_file.remove()
    assert os.path.lexists(path)
    untouched = ["export MY_OWN=1\n"] if kind == "link to a file" else []
    assert [p.read_text() for p in target.parent.iterdir()] == untouched


def test_a_missing_folder_is_refused_before_the_lab_comes_up(tmp_path):
    path = tmp_path / "nowhere" / "lab.env"
    with pytest.raises(EnvFileTaken) as refused:
        EnvFile(path).check()
    assert str(refused.value) == f"cannot write {path}: the folder {path.parent} does not exist; {ANOTHER}"


# --- the file itself ------------------------------------------------------------------------------------------------


def test_the_env_file_is_a_new_file_only_its_user_can_read_and_it_says_whose_it_is(tmp_path):
    env_file = EnvFile(tmp_path / "lab-local.env")
    env_file.check()
    env_file.write(["export AWS_REGION=us-east-1"])
    assert stat.S_IMODE(os.lstat(env_file.path).st_mode) == 0o600
    assert env_file.path.read_text().startswith(f"# firehose-lab offline lab, pid {os.getpid()}: ")
    assert "export AWS_REGION=us-east-1\n" in env_file.path.read_text()
    env_file.remove()
    assert not env_file.path.exists()


def test_at_the_end_it_removes_only_the_file_it_wrote(tmp_path):
    """Replaced meanwhile (here by a copy with the same lines), the path holds someone else's file: it stays."""
    env_file = EnvFile(tmp_path / "lab-local.env")
    env_file.write(["export AWS_REGION=us-east-1"])
    copy = tmp_path / "copy"
    copy.write_text(env_file.path.read_text())
    os.replace(copy, env_file.path)
    env_file.remove()
    assert env_file.path.read_text().endswith("export AWS_REGION=us-east-1\n")


def test_a_file_that_appears_while_the_lab_comes_up_is_not_overwritten(tmp_path):
    env_file = EnvFile(tmp_path / "lab-local.env")
    env_file.check()
    env_file.path.write_text("export MY_OWN=1\n")
    with pytest.raises(EnvFileTaken, match="lab-local.env appeared while the lab came up"):
        env_file.write(["export AWS_REGION=us-east-1"])
    env_file.remove()
    assert env_file.path.read_text() == "export MY_OWN=1\n"


def test_a_file_it_did_not_write_is_never_overwritten(tmp_path):
    theirs = tmp_path / "lab-local.env"
    theirs.write_text("export MY_OWN=1\n")
    with pytest.raises(EnvFileTaken, match="was not written by make lab-local"):
        EnvFile(theirs).check()
    with pytest.raises(EnvFileTaken):
        EnvFile(theirs).write(["export AWS_REGION=us-east-1"])
    EnvFile(theirs).remove()
    assert theirs.read_text() == "export MY_OWN=1\n"


def test_a_running_lab_keeps_its_file(tmp_path):
    path = tmp_path / "lab-local.env"
    path.write_text(f"# firehose-lab offline lab, pid {os.getppid()}: written by `make lab-local`\n")
    with pytest.raises(EnvFileTaken, match=f"another offline lab \\(pid {os.getppid()}\\) is running"):
        EnvFile(path).check()
    assert EnvFile(path).clear_leftover() is None
    assert path.exists()


def test_the_file_of_a_lab_local_that_is_gone_is_removed_and_said(tmp_path):
    path = tmp_path / "lab-local.env"
    gone = dead_pid()
    path.write_text(f"# firehose-lab offline lab, pid {gone}: written by `make lab-local`\n")
    env_file = EnvFile(path)
    env_file.check()
    assert env_file.clear_leftover() == f"removed {path}, left by a lab-local that is gone (pid {gone})"
    assert not path.exists()
    env_file.write(["export AWS_REGION=us-east-1"])
    assert env_file.path.read_text().startswith(f"# firehose-lab offline lab, pid {os.getpid()}: ")


# --- in Spanish -----------------------------------------------------------------------------------------------------

ANOTHER_ES = 'escribe otro: make lab-local LAB_LOCAL_ARGS="--env-file RUTA"'


@pytest.mark.parametrize("kind, what", [("named pipe", "una tubería con nombre"), ("folder", "una carpeta")])
def test_a_spanish_student_is_told_in_spanish_what_is_at_the_path(tmp_path, monkeypatch, kind, what):
    monkeypatch.setenv("LAB_LANG", "es")
    path = tmp_path / "lab-local.env"
    os.mkfifo(path) if kind == "named pipe" else path.mkdir()
    with pytest.raises(EnvFileTaken) as refused:
        EnvFile(path).check()
    assert str(refused.value) == (
        f"{path} es {what}, no un archivo: lab-local escribe sus líneas de entorno solo en un archivo propio; "
        f"{ANOTHER_ES}"
    )


def test_a_spanish_student_is_told_in_spanish_that_a_leftover_was_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    path = tmp_path / "lab-local.env"
    gone = dead_pid()
    path.write_text(f"# firehose-lab offline lab, pid {gone}: written by `make lab-local`\n")
    said = EnvFile(path).clear_leftover()
    assert said == f"se borró {path}, que dejó un lab-local que ya no está en marcha (pid {gone})"
    missing = tmp_path / "nowhere" / "lab.env"
    with pytest.raises(EnvFileTaken) as refused:
        EnvFile(missing).check()
    assert str(refused.value) == (
        f"no se puede escribir {missing}: la carpeta {missing.parent} no existe; {ANOTHER_ES}"
    )
