"""Model output formats: one module per GUI model family, each behind `OutputFormat`, chosen by name.

    fmt = get_format("ui-tars")
    frame = fmt.frame(Size(1920, 1080))          # resized_pixels, model input 1932x1092
    proposal = fmt.parse(model_text, frame)      # actions in screen pixels

Family modules are imported on demand so that importing this package stays cheap.
"""

from __future__ import annotations

from importlib import import_module

from perception.formats.base import OutputFormat

# name -> (module, factory); factories build fresh frozen values, so there is no shared mutable state.
_FACTORIES: dict[str, tuple[str, str]] = {
    "ui-tars": ("perception.formats.ui_tars", "ui_tars_format"),
    "qwen25-computer-use": ("perception.formats.qwen_tools", "qwen25_format"),
    "qwen3": ("perception.formats.qwen_tools", "qwen3_format"),
    "os-atlas": ("perception.formats.os_atlas", "os_atlas_format"),
    "uground": ("perception.formats.uground", "uground_format"),
    "showui": ("perception.formats.showui", "showui_format"),
    "builtin": ("perception.formats.builtin", "builtin_format"),
}

FORMAT_NAMES: tuple[str, ...] = tuple(name for name in _FACTORIES if name != "builtin")
"""The model families `--format` offers: every registered format but the built-in model's own, which needs the
screen listing only the built-in policy fills in (perception.formats.builtin)."""

ALL_FORMAT_NAMES: tuple[str, ...] = tuple(_FACTORIES)
"""Every name `get_format` accepts: FORMAT_NAMES and "builtin". Format checks run over all of them."""


def get_format(name: str) -> OutputFormat:
    """The output format called `name` (one of ALL_FORMAT_NAMES); raises ValueError listing the known names."""
    try:
        module, factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown model format {name!r}; known formats: {', '.join(FORMAT_NAMES)}") from None
    return getattr(import_module(module), factory)()


__all__ = ["ALL_FORMAT_NAMES", "FORMAT_NAMES", "OutputFormat", "get_format"]
