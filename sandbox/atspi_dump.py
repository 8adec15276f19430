"""Print the accessibility (AT-SPI) tree of a sandbox's apps as JSON. Run by Debian's /usr/bin/python3, which has
pyatspi (python3-pyatspi, gir1.2-atspi-2.0); the project's own interpreter does not. sandbox.accessibility runs it
with the sandbox's DBUS_SESSION_BUS_ADDRESS and reads its output; it imports nothing of deskpilot.

Usage: /usr/bin/python3 atspi_dump.py [--app NAME] [--max-nodes N]
Output: {"apps": [NODE, ...]} where NODE is {role, name, text, states, extents: [x, y, w, h] | null, children}.
Exit status 3 with one line on stderr when pyatspi is missing.
"""

import argparse
import json
import sys

# A closed menu's items report this position: they have no box on the screen.
OFFSCREEN = -(2 ** 31)
MAX_TEXT = 10000


def node(acc, budget):
    """`acc` as a dict, its children included while `budget` (a one-item list, shared) lasts."""
    import pyatspi

    budget[0] -= 1
    try:
        states = acc.getState().getStates()
        states = sorted(pyatspi.stateToString(s) for s in states)
    except Exception:  # an object that went away mid-walk has no states to report
        states = []
    extents = None
    try:
        box = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        if box.x != OFFSCREEN and box.y != OFFSCREEN and box.width > 0 and box.height > 0:
            extents = [box.x, box.y, box.width, box.height]
    except (NotImplementedError, Exception):  # no Component interface: no box
        pass
    text = None
    try:
        t = acc.queryText()
        text = t.getText(0, min(t.characterCount, MAX_TEXT))
    except (NotImplementedError, Exception):  # no Text interface
        pass
    children = []
    try:
        count = acc.childCount
    except Exception:
        count = 0
    for i in range(count):
        if budget[0] <= 0:
            break
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is not None:
            children.append(node(child, budget))
    try:
        role = acc.getRoleName()
    except Exception:
        role = "unknown"
    return {"role": role, "name": acc.name or "", "text": text, "states": states, "extents": extents,
            "children": children}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", default=None, help="only the application with this name")
    parser.add_argument("--max-nodes", type=int, default=5000)
    args = parser.parse_args()
    try:
        import pyatspi
    except ImportError:
        print("pyatspi is missing: sudo apt-get install --no-install-recommends python3-pyatspi gir1.2-atspi-2.0",
              file=sys.stderr)
        return 3
    desktop = pyatspi.Registry.getDesktop(0)
    budget = [args.max_nodes]
    apps = []
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is None or (args.app is not None and app.name != args.app):
            continue
        apps.append(node(app, budget))
    json.dump({"apps": apps}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
