"""Reading a task suite: a directory with `suite.yaml` (the held-out phrasing styles) and task files (`*.yaml`
in any subdirectory). A broken file is one TaskFileError naming the file, the line and the field
(`xcalc/add.yaml:9: check.equals: Input should be a valid string`), before anything runs.

`deskpilot eval tasks builtin` reads the suite shipped in agent/evaluation/suite/.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import TaskFileError, UsageError
from agent.evaluation.checks import CHECKERS
from agent.evaluation.task import Case, Split, Style, TaskSpec
from agent.yaml_locations import field_name, line_of, problem_text

SHIPPED = Path(__file__).parent / "suite"
SUITE_FILE = "suite.yaml"


class SuiteSpec(BaseModel):
    """suite.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    heldout_styles: list[Style] = Field(default_factory=list)


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its spec, its tasks (sorted by id) and the file each came from."""

    spec: SuiteSpec
    root: Path
    tasks: tuple[TaskSpec, ...]
    sources: dict

    def cases(self, split: Split | None = None, pattern: str | None = None, limit: int | None = None) -> list[Case]:
        """Every (task, phrasing) in task order, optionally only one split, only task ids matching the glob
        `pattern`, only the first `limit`."""
        out = []
        for task in self.tasks:
            if pattern and not fnmatch.fnmatchcase(task.id, pattern):
                continue
            for i, phrasing in enumerate(task.phrasings):
                held = task.split == "heldout" or phrasing.style in self.spec.heldout_styles
                case = Case(task, i, "heldout" if held else "train", self.sources[task.id])
                if split is None or case.split == split:
                    out.append(case)
        return out[:limit] if limit else out


def suite_path(name: str) -> Path:
    """`builtin` -> the shipped suite; anything else is a directory."""
    return SHIPPED if name == "builtin" else Path(name)


def load_suite(name: str | Path) -> Suite:
    """Read and validate every file of the suite `name` ('builtin' or a directory)."""
    root = suite_path(str(name))
    if not (root / SUITE_FILE).is_file():
        raise UsageError(f"{root}: not a task suite (no {SUITE_FILE}); give 'builtin' or a suite directory")
    spec = SuiteSpec.model_validate(_read(root / SUITE_FILE, SuiteSpec)[0])
    tasks, sources = [], {}
    for path in sorted(root.rglob("*.yaml")):
        if path.name == SUITE_FILE:
            continue
        task = load_task(path)
        if task.id in sources:
            line = line_of(_read(path, TaskSpec)[1], ("id",))
            raise TaskFileError(f"{path}:{line}: id: {task.id!r} is also the id of {sources[task.id]}")
        tasks.append(task)
        sources[task.id] = str(path.relative_to(root))
    if not tasks:
        raise UsageError(f"{root}: the suite has no task files")
    return Suite(spec, root, tuple(sorted(tasks, key=lambda t: t.id)), sources)


def load_task(path: Path) -> TaskSpec:
    """One task file, validated; TaskFileError names file, line and field."""
    from agent.evaluation.experts import EXPERTS

    task, root = _read(path, TaskSpec)
    if task.family not in EXPERTS:
        known = ", ".join(sorted(EXPERTS))
        raise TaskFileError(f"{path}:{line_of(root, ('family',))}: family: no expert family {task.family!r} "
                            f"(known: {known})")
    try:
        EXPERTS[task.family].params.model_validate(task.expert)
    except ValidationError as e:
        raise _located(path, root, e, ("expert",)) from None
    return task


def _read(path: Path, model: type[BaseModel]):
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as e:
        raise TaskFileError(f"{path}:1: cannot read: {getattr(e, 'strerror', None) or e}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise TaskFileError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise TaskFileError(f"{path}:1: not valid YAML: {e}") from None
    if not isinstance(data, dict) or root is None:
        raise TaskFileError(f"{path}:1: a task file is a mapping (id, family, template, phrasings, check, ...)")
    try:
        return model.model_validate(data), root
    except ValidationError as e:
        raise _located(path, root, e) from None


def _located(path: Path, root: yaml.Node, error: ValidationError, prefix: tuple = ()) -> TaskFileError:
    """The first problem of `error` as `FILE:LINE: FIELD: problem`; `prefix` is where the validated data sits."""
    err = error.errors()[0]
    loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("~")))
    if loc[:1] == ("check",) and len(loc) > 1 and loc[1] in CHECKERS:  # pydantic names the union's member
        loc = loc[:1] + loc[2:]
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):  # the checker's kind is what is wrong
        loc = loc + ("kind",)
    loc = prefix + loc
    return TaskFileError(f"{path}:{line_of(root, loc)}: {field_name(loc)}: {problem_text(err)}")

