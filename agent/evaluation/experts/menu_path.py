"""Family `menu_path`: choose an item through an app's menu bar by pointing (`expert: {app: galculator, path: [View,
Scientific Mode]}`): click the first menu on the menu bar, then each item of the path as its menu opens, each box
read from the app's accessibility tree. The plan is remade after each click (a menu's items have boxes only once
it is open) and starts from the deepest item of the path on screen, so it is right with the menu closed or
already open part way. Tasks of this family need `accessibility: true`.

Also the helpers the other GTK families use to find an app's tree and its menu items.
"""

from __future__ import annotations

from pydantic import Field

from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase, click, done

MENU_ROLES = frozenset({"menu", "menu item", "check menu item", "radio menu item"})


class Params(ParamsBase):
    app: str  # the app's name on the AT-SPI bus (usually its program name)
    path: list[str] = Field(min_length=1)  # menu labels as shown, from the menu bar down (accelerators left out)
    answer: str | None = None


def app_tree(sandbox, app: str):
    """The root Widget of `app`'s accessibility tree; LookupError when it is not on the bus."""
    roots = sandbox.widgets(app)
    if not roots:
        raise LookupError(f"{app} is not on the accessibility bus (is the task's `accessibility: true`?)")
    return roots[0]


def showing_menu_item(tree, label: str):
    """The menu (item) labelled `label` that is on screen, or None. GTK pads some labels with spaces where the
    accelerator goes: labels are compared stripped."""
    for widget in tree.walk():
        if (widget.role in MENU_ROLES and widget.name.strip() == label and widget.rect is not None
                and "showing" in widget.states):
            return widget
    return None


def plan_menu(tree, path: list[str], *, last_replans: bool = False) -> list[ExpertStep]:
    """The next click along `path`: on the deepest item of it that is on screen (the first, on the menu bar, when
    no menu is open). Every click but the last remakes the plan; so does the last with `last_replans`."""
    for depth in range(len(path) - 1, -1, -1):
        item = showing_menu_item(tree, path[depth])
        if item is not None:
            last = depth == len(path) - 1
            where = "on the menu bar" if depth == 0 else f"in the {path[depth - 1]} menu"
            return [click(item.rect, f"click '{path[depth]}' {where}", replan=last_replans or not last)]
    raise LookupError(f"the menu {path[0]!r} is not on screen")


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """The next click along the path; done after the last."""
    steps = plan_menu(app_tree(sandbox, params.app), params.path)
    return steps if steps[-1].replan else steps + [done(params.answer)]


FAMILY = Family(Params, plan)
