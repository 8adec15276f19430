"""Checks of deskpilot's system and Python dependencies, each returning a structured Check.

Every check reports what it found and, when something is missing, the exact command that installs it.
Nothing here opens an X display: pyautogui is looked up by its distribution metadata, never imported,
because importing it connects to $DISPLAY.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox.processes import PACKAGE_OF

APT = "apt-get install --no-install-recommends"
XLIB_FIX = "pip install --force-reinstall --no-deps python-xlib==0.33"
DEJAVU_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
OCR_MODELS = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")

# (program, required): what the sandbox spawns; optional ones only enable extra features.
PROGRAMS = (
    ("Xvfb", True), ("openbox", True), ("xdotool", True), ("xterm", True), ("xcalc", True), ("xdpyinfo", True),
    ("x11vnc", False), ("galculator", False), ("mousepad", False), ("scrot", False), ("chromium", False),
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


def _version_tuple(text: str) -> tuple[int, ...]:
    nums = []
    for part in text.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        nums.append(int(digits))
    return tuple(nums)


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
    version = _dist_version(dist)
    if version is None:
        return Check(dist, group, required, False, "not installed", fix)
    if _version_tuple(version) < _version_tuple(minimum):
        return Check(dist, group, required, False, f"{version} installed; {minimum} or newer is needed", fix)
    return Check(dist, group, required, True, version)


def check_ocr() -> Check:
    """The `ocr` extra: rapidocr_onnxruntime imports and its bundled ONNX models are present."""
    fix = "pip install 'rapidocr-onnxruntime>=1.4.4'"
    version = _dist_version("rapidocr-onnxruntime")
    if version is None:
        return Check("OCR (rapidocr)", "extra: ocr", False, False, "rapidocr-onnxruntime not installed", fix)
    try:
        module = importlib.import_module("rapidocr_onnxruntime")
    except (ImportError, OSError) as e:
        # A broken onnxruntime or opencv (e.g. a missing shared library) surfaces here.
        return Check("OCR (rapidocr)", "extra: ocr", False, False, f"{version} installed but not importable: {e}",
                     f"pip install --force-reinstall 'rapidocr-onnxruntime=={version}'")
    models = Path(module.__file__).parent / "models"
    missing = [m for m in OCR_MODELS if not (models / m).is_file()]
    if missing:
        return Check("OCR (rapidocr)", "extra: ocr", False, False, f"{version}; model files missing in {models}: {missing}",
                     f"pip install --force-reinstall 'rapidocr-onnxruntime=={version}'")
    return Check("OCR (rapidocr)", "extra: ocr", False, True, f"{version}, models in {models}")


def _torch_is_cpu_build() -> bool:
    # Decided from the wheel's files rather than by importing torch (~3 s): CUDA builds ship libtorch_cuda.
    version = _dist_version("torch") or ""
    if "+cpu" in version:
        return True
    files = metadata.distribution("torch").files or []
    return not any("libtorch_cuda" in str(f) for f in files)


def check_torch() -> Check:
    """The `vlm` extra's torch: its version and whether it is a CPU-only build."""
    fix = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
    version = _dist_version("torch")
    if version is None:
        return Check("torch", "extra: vlm", False, False, "not installed", fix)
    build = "CPU build" if _torch_is_cpu_build() else "CUDA build"
    return Check("torch", "extra: vlm", False, True, f"{version} ({build})")


def run_checks(path: str | None = None) -> list[Check]:
    """Every check, in display order. `path` is the program search path (default: $PATH)."""
    checks = [check_program(p, required, path) for p, required in PROGRAMS]
    checks.append(check_dejavu_fonts(path))
    checks.append(check_python())
    checks.append(check_python_xlib())
    checks.append(check_distribution("mss", "10.2", "pip install 'mss>=10.2'"))
    checks.append(check_distribution("pyautogui", "0.9.54", f"pip install 'pyautogui>=0.9.54' && {XLIB_FIX}"))
    checks.append(check_ocr())
    checks.append(check_torch())
    checks.append(check_distribution("transformers", "4.57", "pip install 'transformers>=4.57'", required=False, group="extra: vlm"))
    return checks


def all_required_ok(checks: list[Check]) -> bool:
    """True when no required check failed."""
    return all(c.ok for c in checks if c.required)
