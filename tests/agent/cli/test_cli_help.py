"""Every `--help` page of the real console script reads well: each option says what it does and shows its
default once, flags carry no `<bool>` label, usage lines read `TASK`, not `{task}`; `--version` prints the
installed version."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest

from deskpilot_cli import cli
from help_pages import all_help_pages, help_page

_DEFAULT = re.compile(r"\bdefault\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return all_help_pages(tmp_path_factory.mktemp("help"))


def test_the_walk_reaches_every_command_and_group(pages):
    names = {" ".join(p.command) for p in pages}
    # A sample of each level: top-level commands, the groups and their subcommands.
    assert {"", "run", "shell", "replay", "runs", "runs show", "runs list", "sandbox", "sandbox start", "eval",
            "eval tasks"} <= names


def test_no_flag_is_labelled_bool(pages):
    labelled = [" ".join(p.command) for p in pages if "<bool>" in p.text]
    assert labelled == []


def test_usage_lines_read_naturally(pages):
    for page in pages:
        assert "{" not in page.usage and "}" not in page.usage, page.usage
        assert re.fullmatch(r"Usage: deskpilot( [a-z-]+)* \[OPTIONS\]( \[?[A-Z][A-Z_=x]*\]?(\.\.\.)?)*"
                            r"( COMMAND \[ARGS\]\.\.\.)?", page.usage), page.usage
    run = next(p for p in pages if p.command == ("run",))
    assert run.usage == "Usage: deskpilot run [OPTIONS] TASK"


def test_every_option_says_what_it_does_with_one_default(pages):
    missing, doubled = [], []
    for page in pages:
        options = page.options()
        assert "--help" in options, page.command
        for flag, text in options.items():
            words = _DEFAULT.sub("", text).replace("[:", "").strip(" .[]")
            if not words:
                missing.append(f"{' '.join(page.command)} {flag}")
            if len(_DEFAULT.findall(text)) > 1:
                doubled.append(f"{' '.join(page.command)} {flag}: {text}")
    assert missing == [] and doubled == []


def test_every_argument_says_what_it_is(pages):
    for page in pages:
        for name, text in page.arguments().items():
            assert name.isupper(), (page.command, name)
            words = [w for w in text.split() if not w.startswith("<") and w != "[required]"]
            assert words, (page.command, name)
            assert len(_DEFAULT.findall(text)) <= 1, (page.command, name, text)


def test_run_help_names_no_format_default_the_built_in_model_rejects(tmp_path):
    from perception.formats import FORMAT_NAMES

    text = help_page(tmp_path, "run").options()["--format"]
    assert all(name in text for name in FORMAT_NAMES) and not _DEFAULT.search(text)
    # The built-in model (the default --model) refuses every --format: naming one as the default would mislead.
    res = cli(tmp_path, "run", "x", "--format", "ui-tars")
    assert res.returncode == 2 and "--format does not apply to the built-in model" in res.stderr


def test_version_is_the_installed_distributions(tmp_path):
    res = cli(tmp_path, "--version")
    assert res.returncode == 0 and res.stdout == f"deskpilot {version('deskpilot')}\n" and res.stderr == ""
    assert help_page(tmp_path).options()["--version"] == "Print deskpilot's version and exit."
