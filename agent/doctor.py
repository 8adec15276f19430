"""Checks of deskpilot's system and Python dependencies, each returning a structured Check.

Every check reports what it found and, when something is missing, the exact command that installs it.
The Python packages and their versions are those deskpilot's pyproject.toml requires, read back from the installed
distribution: the core dependencies and the extras the default `--model builtin` needs (torch, transformers, OCR,
OpenCV) are required; the other extras are optional.
Nothing here opens an X display: pyautogui is looked up by its distribution metadata, never imported,
because importing it connects to $DISPLAY.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from sandbox.processes import PACKAGE_OF

APT = "apt-get install --no-install-recommends"
XLIB_FIX = "pip install --force-reinstall --no-deps python-xlib==0.33"
DEJAVU_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
DISTRIBUTION = "deskpilot"
EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
REQUIRED_EXTRAS = ("vlm", "ocr")  # what the default `--model builtin` needs: torch, transformers, OCR, OpenCV
TORCH_FIX = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
# Install commands that differ from `pip install 'NAME SPEC'`, by canonical distribution name.
PIP_FIXES = {"torch": TORCH_FIX, "pyautogui": f"pip install 'pyautogui>=0.9.54' && {XLIB_FIX}"}
OCR_MODELS = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")

# (program, required): what the sandbox spawns; optional ones only enable extra features.
PROGRAMS = (
    ("Xvfb", True), ("openbox", True), ("xdotool", True), ("xterm", True), ("xcalc", True), ("xdpyinfo", True),
    ("x11vnc", False), ("websockify", False), ("galculator", False), ("mousepad", False), ("scrot", False),
    ("chromium", False),
)


@dataclass(frozen=True)
class Check:
    """One dependency check.

    `ok` says whether the item is present and usable; `required` whether deskpilot's core needs it
    (a missing optional item only disables a feature); `fix` is the install command when not ok.
    """

    name: str
    group: str
    required: bool
    ok: bool
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def check_program(program: str, required: bool, path: str | None = None) -> Check:
    """Is `program` on `path` (default: $PATH)?"""
    found = shutil.which(program, path=path)
    package = PACKAGE_OF.get(program, program)
    if found:
        return Check(program, "system", required, True, found)
    return Check(program, "system", required, False, f"not found on PATH (Debian package {package})", f"{APT} {package}")


def check_dejavu_fonts(path: str | None = None) -> Check:
    """DejaVu fonts, which the sandbox's X resources name: asked of fontconfig, else looked for on disk."""
    fix = f"{APT} fonts-dejavu-core"
    fc_list = shutil.which("fc-list", path=path)
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        if "DejaVu Sans Mono" in out and "DejaVu Sans" in out:
            return Check("DejaVu fonts", "system", True, True, "fontconfig lists DejaVu Sans and DejaVu Sans Mono")
    present = [f for f in DEJAVU_FILES if Path(f).is_file()]
    if len(present) == len(DEJAVU_FILES):
        return Check("DejaVu fonts", "system", True, True, f"{Path(present[0]).parent}")
    return Check("DejaVu fonts", "system", True, False, "DejaVu Sans / DejaVu Sans Mono not found", fix)


def check_novnc(novnc_dir: Path | None = None) -> Check:
    """noVNC's files (Debian's `novnc`), which the browser live view (`--view`) serves; optional."""
    from sandbox.live_view import NOVNC_DIR

    rfb = (novnc_dir or NOVNC_DIR) / "core" / "rfb.js"
    if rfb.is_file():
        return Check("noVNC", "system", False, True, str(rfb.parent.parent))
    return Check("noVNC", "system", False, False, f"{rfb} not found (Debian package novnc)", f"{APT} novnc")


def check_python() -> Check:
    """Python >= 3.11 with a working tkinter (the demo apps use Tk)."""
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 11):
        return Check("Python", "python", True, False, f"{version} at {sys.executable}; 3.11 or newer is needed",
                     "install Python >= 3.11 (e.g. `pyenv install 3.11`) and recreate the virtualenv")
    try:
        tkinter = importlib.import_module("tkinter")
    except ImportError as e:
        return Check("Python", "python", True, False, f"{version} without tkinter ({e})",
                     f"{APT} python3-tk (system Python), or {APT} tk-dev and rebuild this Python")
    return Check("Python", "python", True, True, f"{version} with tkinter (Tk {tkinter.TkVersion})")


def _dist_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_python_xlib() -> Check:
    """The `Xlib` module really is python-xlib >= 0.33.

    pyautogui's dependency python3-xlib 0.15 installs the same `Xlib` package and can overwrite it
    while python-xlib's metadata still says 0.33, so the imported module's own version is what counts.
    """
    try:
        xlib = importlib.import_module("Xlib")  # the package root only; it does not open a display
    except ImportError as e:
        return Check("python-xlib", "python", True, False, f"Xlib not importable ({e})", XLIB_FIX)
    version = tuple(getattr(xlib, "__version__", ()))
    text = ".".join(map(str, version)) or "unknown"
    if version < (0, 33):
        return Check("python-xlib", "python", True, False,
                     f"Xlib {text} is imported (python3-xlib 0.15 overwrote python-xlib?); 0.33 or newer is needed", XLIB_FIX)
    return Check("python-xlib", "python", True, True, f"Xlib {text}")


def check_distribution(dist: str, minimum: str, fix: str, required: bool = True, group: str = "python") -> Check:
    """Is the distribution `dist` installed at `minimum` or newer (by its metadata; nothing is imported)?"""
    return check_requirement(f"{dist}>={minimum}", required, group, fix)


def project_requirements() -> list[Requirement]:
    """What deskpilot's pyproject.toml requires, read from the installed distribution's metadata (extras carry a
    marker `extra == "NAME"`); from the pyproject.toml beside the packages when deskpilot runs uninstalled."""
    try:
        lines = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        lines = _pyproject_requirements(Path(__file__).resolve().parents[1] / "pyproject.toml")
    return [Requirement(line) for line in lines]


def _pyproject_requirements(path: Path) -> list[str]:
    import tomllib

    project = tomllib.loads(path.read_text())["project"]
    lines = list(project.get("dependencies", []))
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines += [f'{dep}; extra == "{extra}"' for dep in deps]
    return lines


def extra_of(req: Requirement) -> str | None:
    """The extra a requirement belongs to, from its marker `extra == "NAME"` (None: a core dependency)."""
    m = EXTRA_MARKER.search(str(req.marker)) if req.marker is not None else None
    return m.group(1) if m else None


def check_requirement(requirement: str | Requirement, required: bool = True, group: str = "python",
                      fix: str | None = None) -> Check:
    """Is `requirement` (e.g. 'transformers>=5.24') met by the installed distribution's version (its metadata;
    nothing is imported)? Local versions count as their release: torch 2.13.0+cpu meets torch==2.13.0."""
    req = requirement if isinstance(requirement, Requirement) else Requirement(requirement)
    spec = str(req.specifier)
    fix = fix or PIP_FIXES.get(canonicalize_name(req.name)) or f"pip install '{req.name}{spec}'"
    version = _dist_version(req.name)
    if version is None:
        return Check(req.name, group, required, False, "not installed" + (f" ({spec} is needed)" if spec else ""), fix)
    try:
        met = req.specifier.contains(version, prereleases=True)
    except InvalidVersion:
        met = False
    if not met:
        return Check(req.name, group, required, False, f"{version} installed; {spec} is needed", fix)
    return Check(req.name, group, required, True, version)


def check_ocr(requirement: Requirement | None = None, required: bool = True) -> Check:
    """The `ocr` extra's OCR (the built-in model reads the screen with it): rapidocr-onnxruntime at the version
    pyproject asks for, importable, with its bundled ONNX models."""
    req = requirement or Requirement("rapidocr-onnxruntime")
    met = check_requirement(req, required, "extra: ocr")
    if not met.ok:
        return Check("OCR (rapidocr)", "extra: ocr", required, False, f"rapidocr-onnxruntime {met.detail}", met.fix)
    version = met.detail
    try:
        module = importlib.import_module("rapidocr_onnxruntime")
    except (ImportError, OSError) as e:
        # A broken onnxruntime or opencv (e.g. a missing shared library) surfaces here.
        return Check("OCR (rapidocr)", "extra: ocr", required, False, f"{version} installed but not importable: {e}",
                     f"pip install --force-reinstall 'rapidocr-onnxruntime=={version}'")
    models = Path(module.__file__).parent / "models"
    missing = [m for m in OCR_MODELS if not (models / m).is_file()]
    if missing:
        return Check("OCR (rapidocr)", "extra: ocr", required, False, f"{version}; model files missing in {models}: {missing}",
                     f"pip install --force-reinstall 'rapidocr-onnxruntime=={version}'")
    return Check("OCR (rapidocr)", "extra: ocr", required, True, f"{version}, models in {models}")


def check_opencv(requirement: Requirement | None = None, required: bool = True) -> Check:
    """OpenCV (perception.boxes, perception.bordered_boxes and RapidOCR use it): the distribution pyproject names
    at its version, and `cv2` imports (a wheel whose shared libraries are missing fails only here)."""
    req = requirement or Requirement("opencv-python")
    met = check_requirement(req, required, "extra: ocr")
    if not met.ok:
        return met
    try:
        cv2 = importlib.import_module("cv2")
    except ImportError as e:
        return Check(req.name, "extra: ocr", required, False, f"{met.detail} installed but `import cv2` fails: {e}",
                     f"pip install --force-reinstall '{req.name}=={met.detail}'")
    return Check(req.name, "extra: ocr", required, True, f"{met.detail} (cv2 {cv2.__version__})")


def _torch_is_cpu_build() -> bool:
    # Decided from the wheel's files rather than by importing torch (~3 s): CUDA builds ship libtorch_cuda.
    version = _dist_version("torch") or ""
    if "+cpu" in version:
        return True
    files = metadata.distribution("torch").files or []
    return not any("libtorch_cuda" in str(f) for f in files)


def check_torch(requirement: Requirement | None = None, required: bool = True) -> Check:
    """The `vlm` extra's torch (the built-in model runs on it): the version pyproject pins, and whether it is a
    CPU-only build."""
    met = check_requirement(requirement or Requirement("torch"), required, "extra: vlm")
    if not met.ok:
        return met
    build = "CPU build" if _torch_is_cpu_build() else "CUDA build"
    return Check("torch", "extra: vlm", required, True, f"{met.detail} ({build})")


def run_checks(path: str | None = None, requirements: list[Requirement] | None = None) -> list[Check]:
    """Every check, in display order. `path` is the program search path (default: $PATH); `requirements` are the
    Python requirements (default: deskpilot's own, project_requirements()).

    Core dependencies and the extras the default `--model builtin` needs (REQUIRED_EXTRAS: torch, transformers,
    OCR, OpenCV) are required; other extras (ray, dev) are optional.
    """
    checks = [check_program(p, required, path) for p, required in PROGRAMS]
    checks.append(check_novnc())
    checks.append(check_dejavu_fonts(path))
    checks.append(check_python())
    checks.append(check_python_xlib())
    for req in requirements if requirements is not None else project_requirements():
        extra = extra_of(req)
        if req.marker is not None and extra is None:
            continue  # a platform marker that does not apply here
        required = extra is None or extra in REQUIRED_EXTRAS
        group = "python" if extra is None else f"extra: {extra}"
        if canonicalize_name(req.name) in CHECKED_AS_MODULE:
            continue
        special = SPECIAL_CHECKS.get(canonicalize_name(req.name))
        checks.append(special(req, required) if special else check_requirement(req, required, group))
    return checks


# Requirements with a check of their own, beyond the version: by canonical distribution name.
SPECIAL_CHECKS = {
    "torch": check_torch,
    "rapidocr-onnxruntime": check_ocr,
    "opencv-python": check_opencv,
    "opencv-python-headless": check_opencv,
}
CHECKED_AS_MODULE = {"python-xlib"}  # check_python_xlib reads the imported module's version instead


def all_required_ok(checks: list[Check]) -> bool:
    """True when no required check failed."""
    return all(c.ok for c in checks if c.required)
