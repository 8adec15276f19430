"""How well a planner reads the task suite's own instructions: each case's phrasing is planned, and the plan is
compared with the plan its task's expert parameters imply (`expert: {keys: [...]}` -> `press ... ; answer`).

Text only, no sandbox: a fast measure of instruction language on sentences people wrote (the suite's phrasings
are never in the planner's training data), split as the suite splits them (held-out templates and styles).

    python -m agent.modeldev.eval.suite_plans PLANNER_DIR [--split heldout] [--checked]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from agent.evaluation.suite import load_suite
from perception.errors import ModelOutputError, PlanMismatchError
from perception.plan import PlanStep, format_plan


def _typed(text: str) -> list[PlanStep]:
    """Typing `text`: each line typed, Enter between lines and after a final newline."""
    steps: list[PlanStep] = []
    parts = text.split("\n")
    for i, part in enumerate(parts):
        if part:
            steps.append(PlanStep("type", part))
        if i < len(parts) - 1:
            steps.append(PlanStep("key", "enter"))
    return steps


def expected_plan(task) -> str | None:
    """The plan a task's expert parameters imply; None for a family the planner does not cover."""
    p, family = task.expert, task.family
    if family in ("xcalc_keys", "galculator_keys"):
        return format_plan([PlanStep("press", " ".join(str(k) for k in p["keys"])), PlanStep("answer")])
    if family == "terminal":
        return format_plan([PlanStep("type", p["command"]), PlanStep("key", "enter")])
    if family == "menu_path":
        return format_plan([PlanStep("click", item) for item in p["path"]])
    if family == "refuse":
        return "refuse"
    if family == "mousepad_save":
        lead = [PlanStep("key", "ctrl+end")] if p.get("append") else [] if p.get("save_as") else [PlanStep("key", "ctrl+a")]
        save = PlanStep("save", p.get("save_as") or "")
        return format_plan(lead + _typed(p["text"]) + [save])
    if family == "demo_form":
        steps = []
        for key, label in (("name", "Name"), ("email", "Email"), ("city", "City of residence")):
            if p.get(key):
                steps += [PlanStep("click", f"[{label}]"), PlanStep("type", p[key])]
        if p.get("plan"):
            steps.append(PlanStep("click", p["plan"]))
        if p.get("subscribe"):
            steps.append(PlanStep("click", "Subscribe"))
        return format_plan(steps + [PlanStep("click", "Submit")])
    return None


def _field_pairs(steps: list[str]) -> list[tuple[str, str]]:
    """Each step with the step after it when that one types (a field and its value stay together)."""
    pairs, i = [], 0
    while i < len(steps):
        typed = steps[i + 1] if i + 1 < len(steps) and steps[i + 1].startswith("type ") else ""
        pairs.append((steps[i], typed))
        i += 2 if typed else 1
    return pairs


def _same(got: str, want: str, family: str) -> bool:
    norm = lambda s: [" ".join(x.split()) for x in s.split(" ; ")]  # noqa: E731
    if family == "demo_form":  # fields may be filled in any order, each click with the text typed after it
        return sorted(_field_pairs(norm(got))) == sorted(_field_pairs(norm(want)))
    return norm(got) == norm(want)


def evaluate(planner, split: str | None = None, checked: bool = False) -> dict:
    """Agreement of `planner` with the expected plans, overall, per split and per family, with the misses.

    `checked`: the plans the agent would play (`planner.plan`: copies checked, alternatives tried), and how many
    were not played because none checked (`asked`: the agent asks the user) and how many wrong plans were played
    anyway (`wrong_played`); else the greedy text alone.
    """
    right, total, asked, wrong_played = Counter(), Counter(), Counter(), Counter()
    misses = []
    for case in load_suite("builtin").cases(split):
        want = expected_plan(case.task)
        if want is None:
            continue
        got, ask = _planned(planner, case.instruction) if checked else (planner.write(case.instruction), False)
        ok = not ask and _same(got, want, case.task.family)
        for key in ("all", f"split:{case.split}", f"family:{case.task.family}"):
            total[key] += 1
            right[key] += ok
            asked[key] += ask
            wrong_played[key] += not ok and not ask
        if not ok:
            misses.append({"case": case.name, "instruction": case.instruction, "want": want, "got": got})
    share = lambda c, k, n: f"{c[k]}/{n} ({c[k] / n:.1%})"  # noqa: E731
    report = {"agreement": {k: share(right, k, n) for k, n in sorted(total.items())}, "misses": misses}
    if checked:
        report["asked"] = {k: share(asked, k, n) for k, n in sorted(total.items())}
        report["wrong_played"] = {k: share(wrong_played, k, n) for k, n in sorted(total.items())}
    return report


def _planned(planner, instruction: str) -> tuple[str, bool]:
    """(the plan the agent plays, or the question it asks; whether it asks)."""
    try:
        return str(planner.plan(instruction)), False
    except PlanMismatchError as e:
        return f"asks: {e}", True
    except ModelOutputError as e:
        return f"no plan: {e}", False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("planner")
    parser.add_argument("--split", choices=("train", "heldout"))
    parser.add_argument("--checked", action="store_true",
                        help="the plans the agent plays: copies checked against the instruction, alternatives tried")
    parser.add_argument("--out")
    args = parser.parse_args()
    import torch

    from perception.planner import load_planner

    torch.set_num_threads(1)
    report = evaluate(load_planner(args.planner), args.split, args.checked)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    print(json.dumps({k: v for k, v in report.items() if k != "misses"}, indent=1))


if __name__ == "__main__":
    main()
