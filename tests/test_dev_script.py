"""scripts/dev.py, pure (no Odoo): ``-p no:odoo``."""

import os
import shutil

from scripts import dev


def test_odoo_finds_the_venv_python_on_path(monkeypatch):
    """Odoo's restart re-executes ``python`` as found on PATH: it must be the venv's."""
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"]))
    env = dev.pg_env()
    first = env["PATH"].split(os.pathsep)[0]
    assert first == str(dev.VENV / "bin")
    found = shutil.which("python", path=env["PATH"])
    if dev.venv_python().exists():
        assert found == str(dev.venv_python())
    # What the caller had on PATH is kept, after the venv.
    assert env["PATH"].split(os.pathsep)[1:] == ["/usr/local/bin", "/usr/bin", "/bin"]


def test_venv_bin_is_not_repeated(monkeypatch):
    venv_bin = str(dev.VENV / "bin")
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", venv_bin]))
    assert dev.pg_env()["PATH"].split(os.pathsep) == [venv_bin, "/usr/bin"]
