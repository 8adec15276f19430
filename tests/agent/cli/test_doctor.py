"""`deskpilot doctor`: passes on a complete machine, names the apt-get command when a program is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

from agent.doctor import (Check, _pyproject_requirements, all_required_ok, check_distribution, check_novnc,
                          check_program, check_python_xlib, check_requirement, run_checks)

VENV_BIN = Path(sys.executable).parent
DESKPILOT = str(VENV_BIN / "deskpilot")


def _doctor(*args: str, path: str | None = None, first_on_sys_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    if path is not None:
        env["PATH"] = path
    if first_on_sys_path is not None:  # distributions and modules found there before the installed ones
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(first_on_sys_path), env.get("PYTHONPATH")]))
    return subprocess.run([DESKPILOT, "doctor", *args], env=env, capture_output=True, text=True, timeout=120)


def _stripped_path(tmp_path: Path) -> str:
    # Only the venv's bin and a directory holding `python`: no /usr/bin, so no X programs.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "python3").symlink_to(sys.executable)
    return f"{VENV_BIN}{os.pathsep}{bin_dir}"


def test_doctor_passes_here():
    res = _doctor()
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all required dependencies are present" in res.stdout
    assert "Xvfb" in res.stdout and "python-xlib" in res.stdout


def test_doctor_json_passes_here():
    res = _doctor("--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["ok"] is True
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["Xvfb"]["ok"] and by_name["Xvfb"]["fix"] is None
    assert by_name["python-xlib"]["detail"].startswith("Xlib 0.")
    # what the default `--model builtin` needs is required: torch, transformers, OCR, OpenCV
    for name in ("Xvfb", "openbox", "xdotool", "xterm", "xcalc", "xdpyinfo", "DejaVu fonts", "Python", "mss", "pyautogui",
                 "torch", "transformers", "OCR (rapidocr)", "opencv-python"):
        assert by_name[name]["required"], name
    for name in ("x11vnc", "websockify", "noVNC", "galculator", "mousepad", "pytest"):  # the live view's are optional
        assert not by_name[name]["required"], name
    assert by_name["opencv-python"]["ok"] and "(cv2 " in by_name["opencv-python"]["detail"]


def test_doctor_without_usr_bin_reports_xvfb_missing(tmp_path):
    path = _stripped_path(tmp_path)
    res = _doctor(path=path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "apt-get install --no-install-recommends xvfb" in res.stdout
    assert "some required dependencies are missing" in res.stdout

    res = _doctor("--json", path=path)
    assert res.returncode == 1
    report = json.loads(res.stdout)
    xvfb = next(c for c in report["checks"] if c["name"] == "Xvfb")
    assert report["ok"] is False
    assert xvfb["ok"] is False and xvfb["required"] is True
    assert xvfb["fix"] == "apt-get install --no-install-recommends xvfb"


def test_check_novnc_names_the_package_when_its_files_are_missing(tmp_path):
    missing = check_novnc(tmp_path)
    assert (missing.ok, missing.required) == (False, False)
    assert missing.fix == "apt-get install --no-install-recommends novnc"
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "rfb.js").write_text("// noVNC")
    assert check_novnc(tmp_path) == Check("noVNC", "system", False, True, str(tmp_path))


def test_check_program_finds_an_executable_on_the_given_path(tmp_path):
    fake = tmp_path / "Xvfb"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert check_program("Xvfb", True, path=str(tmp_path)) == Check("Xvfb", "system", True, True, str(fake))
    missing = check_program("xcalc", True, path=str(tmp_path))
    assert not missing.ok and missing.fix == "apt-get install --no-install-recommends x11-apps"


def test_check_distribution_versions():
    assert check_distribution("mss", "10.2", "fix").ok
    too_old = check_distribution("mss", "999.0", "pip install mss")
    assert not too_old.ok and too_old.detail.endswith("installed; >=999.0 is needed") and too_old.fix == "pip install mss"
    absent = check_distribution("no-such-distribution-xyz", "1.0", "pip install it")
    assert not absent.ok and absent.detail == "not installed (>=1.0 is needed)"


def test_check_requirement_compares_with_the_specifier():
    import importlib.metadata

    installed = importlib.metadata.version("transformers")
    newer = check_requirement("transformers>=99")
    assert newer == Check("transformers", "python", True, False, f"{installed} installed; >=99 is needed",
                          "pip install 'transformers>=99'")
    assert check_requirement(f"transformers=={installed}").ok
    assert not check_requirement(f"transformers!={installed}").ok
    torch = importlib.metadata.version("torch")  # 2.13.0+cpu: a local version meets the release it builds
    assert check_requirement(f"torch=={torch.split('+')[0]}").ok
    assert "download.pytorch.org/whl/cpu" in check_requirement("torch==0.1").fix


def test_what_pyproject_requires_is_checked_and_the_builtin_models_needs_are_required():
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    requirements = [Requirement(line) for line in _pyproject_requirements(pyproject)]
    checks = {c.name: c for c in run_checks(requirements=requirements)}
    for req in requirements:
        name = {"rapidocr-onnxruntime": "OCR (rapidocr)"}.get(req.name, req.name)
        if name == "python-xlib":
            continue  # checked as the imported module
        extra = str(req.marker) if req.marker else ""
        assert name in checks, name
        assert checks[name].required == (not extra or "vlm" in extra or "ocr" in extra), name
    assert {"torch", "transformers", "OCR (rapidocr)", "opencv-python"} <= {n for n, c in checks.items() if c.required}
    assert not checks["ray"].required


def _fake_distribution(site: Path, name: str, version: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_doctor_fails_on_a_transformers_older_than_pyproject_needs(tmp_path):
    # Found first on sys.path, this metadata is what `deskpilot doctor` sees for transformers.
    _fake_distribution(tmp_path, "transformers", "4.57.0")
    res = _doctor("--json", first_on_sys_path=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    report = json.loads(res.stdout)
    transformers = next(c for c in report["checks"] if c["name"] == "transformers")
    assert report["ok"] is False
    assert transformers["required"] is True and transformers["ok"] is False
    assert transformers["detail"].startswith("4.57.0 installed; >=5.")
    assert transformers["fix"].startswith("pip install 'transformers>=5.")


def test_doctor_fails_when_opencv_does_not_import(tmp_path):
    (tmp_path / "cv2").mkdir()  # an OpenCV whose shared libraries are missing fails at import, like this
    (tmp_path / "cv2" / "__init__.py").write_text("raise ImportError('libGL.so.1: cannot open shared object file')\n")
    res = _doctor(first_on_sys_path=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "`import cv2` fails: libGL.so.1" in res.stdout
    assert "some required dependencies are missing" in res.stdout


def test_python_xlib_check_reads_the_imported_module():
    check = check_python_xlib()
    assert check.ok, check.detail


def test_all_required_ok_ignores_optional_failures():
    optional_missing = Check("x11vnc", "system", False, False, "absent", "apt-get install --no-install-recommends x11vnc")
    required_missing = Check("Xvfb", "system", True, False, "absent", "apt-get install --no-install-recommends xvfb")
    assert all_required_ok([optional_missing])
    assert not all_required_ok([optional_missing, required_missing])


def test_run_checks_does_not_import_pyautogui():
    # In a fresh interpreter: pyautogui would open $DISPLAY at import, and this suite may import it elsewhere.
    code = "import sys; from agent.doctor import run_checks; run_checks(); print('pyautogui' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
