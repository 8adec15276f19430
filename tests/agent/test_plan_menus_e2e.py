"""A plan that names the wrong menu still finds its item on a real galculator: the player opens the menu bar's
other menus until the screen's text shows the item (perception.menu_bar, perception.plan_player). The plan is
under control (a scripted planner writes the mistake the shipped planner makes for "galculator: paper mode");
the screen reading, the player, the sandbox and the suite's checker are real."""

from __future__ import annotations

import pytest

from agent.evaluation.runner import run_case
from agent.evaluation.suite import load_suite
from perception.planner.base import PlannerBase

pytestmark = [pytest.mark.display, pytest.mark.slow]


class WrongMenu(PlannerBase):
    """Paper Mode is under View; this planner says File."""

    def write(self, instruction: str) -> str:
        return "click File ; click Paper Mode"


@pytest.mark.timeout(300)
def test_an_item_under_another_menu_is_found_and_the_mode_is_switched(tmp_path):
    from perception.backends.builtin import load_builtin_policy

    (case,) = [c for c in load_suite("builtin").cases() if c.name == "galculator-menu-paper#terse"]
    with load_builtin_policy(planner=False) as policy:
        policy.planner = WrongMenu()
        result = run_case(case, policy, tmp_path / "runs")
    # The suite's checker reads galculator's Paper Mode menu item through AT-SPI: checked.
    assert result.passed, (result.detail, result.outcome, result.error)
    assert result.steps <= case.task.max_steps
