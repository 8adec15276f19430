"""Property: every action a format's grammar can spell, written in that grammar, reads back as the same action.

test_formats_properties.py checks that parsing is total (an action on screen, or ModelOutputError); a parser
that rejects everything passes it. These are the positive halves: random valid actions on random screens are
rendered by the format itself (`render_action`, and `history_text` for a step without model text), parsed back
with `parse`, and must come back equal: same kind, button, count, text, keys, direction..., and the same screen
point up to the rounding of the format's coordinate space (perception.conformance's tolerance). A click's text is
also a grounding answer, and grounds on the same point.

What a grammar cannot spell is left out per format (UGround writes only points; UI-TARS has no middle click,
scroll amount or wait length; ...), so a lossy rendering of those is not a failure here.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.schema import CallUser, Click, Done, Drag, Fail, Hotkey, Move, Scroll, Type, Wait
from perception.capture import Screenshot, Size
from perception.conformance import _tolerance
from perception.formats import ALL_FORMAT_NAMES, get_format
from perception.policy import HistoryItem, ModelFrame

# Real screens and arbitrary ones (a model space coarser than the screen included), up to the aspect ratio of 200
# the Qwen processors accept (perception.formats.resize).
SCREENS = st.sampled_from([Size(1920, 1080), Size(1366, 768), Size(800, 1280), Size(3840, 2160), Size(1, 1)]) | st.builds(
    Size, st.integers(1, 5000), st.integers(1, 5000)).filter(
    lambda s: max(s.width, s.height) <= 200 * min(s.width, s.height))
KEYS = st.lists(st.sampled_from(["ctrl", "alt", "shift", "super", "a", "c", "z", "1", "f5", "enter", "tab", "esc",
                                 "backspace", "delete", "home", "end", "pageup", "up", "left", "space"]),
                min_size=1, max_size=3, unique=True).map(tuple)
DIRECTIONS = st.sampled_from(["up", "down", "left", "right"])
# Typed text: any printable Unicode, quotes, backslashes and (where the grammar allows) newlines and tabs.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("'\"\\\n\t{}[]()<>,="),
               min_size=1, max_size=40)
LINE = TEXT.filter(lambda t: "\n" not in t and "\r" not in t and t.strip() == t and t.strip())


def _points(screen: Size, draw) -> tuple[int, int]:
    return draw(st.integers(0, screen.width - 1)), draw(st.integers(0, screen.height - 1))


@st.composite
def expressible(draw, name: str, screen: Size):
    """A random action that the `name` grammar can spell without loss (its coordinates on `screen`)."""
    x, y = _points(screen, draw)
    to_x, to_y = _points(screen, draw)
    click = lambda *buttons_counts: st.sampled_from(buttons_counts).map(  # noqa: E731
        lambda bc: Click(x=x, y=y, button=bc[0], count=bc[1]))
    if name in ("ui-tars", "builtin"):
        options = [click(("left", 1), ("left", 2), ("right", 1)), st.just(Move(x=x, y=y)),
                   st.just(Drag(x=x, y=y, to_x=to_x, to_y=to_y)),
                   st.builds(lambda d, at: Scroll(direction=d, x=x if at else None, y=y if at else None),
                             DIRECTIONS, st.booleans()),
                   TEXT.map(lambda t: Type(text=t)), KEYS.map(lambda k: Hotkey(keys=k)), st.just(Wait(seconds=5.0)),
                   (st.none() | TEXT).map(lambda a: Done(answer=a)), st.just(CallUser())]
    elif name in ("qwen25-computer-use", "qwen3"):
        options = [click(("left", 1), ("left", 2), ("left", 3), ("right", 1), ("middle", 1)), st.just(Move(x=x, y=y)),
                   st.just(Drag(x=x, y=y, to_x=to_x, to_y=to_y)),
                   st.builds(lambda d, n, at: Scroll(direction=d, amount=n, x=x if at else None, y=y if at else None),
                             DIRECTIONS, st.integers(1, 50), st.booleans()),
                   TEXT.map(lambda t: Type(text=t)), KEYS.map(lambda k: Hotkey(keys=k)),
                   st.sampled_from([0, 0.5, 1, 2.25, 60]).map(lambda s: Wait(seconds=s)), st.just(Done()),
                   st.just(Fail(reason="the model reported failure"))]
    elif name == "os-atlas":
        options = [click(("left", 1), ("left", 2), ("right", 1)), st.just(Move(x=x, y=y)),
                   DIRECTIONS.map(lambda d: Scroll(direction=d)), LINE.map(lambda t: Type(text=t)),
                   KEYS.map(lambda k: Hotkey(keys=k)), st.just(Wait(seconds=5.0)),
                   (st.none() | LINE).map(lambda a: Done(answer=a)), LINE.map(lambda r: Fail(reason=r))]
    elif name == "showui":
        options = [click(("left", 1)), st.just(Move(x=x, y=y)), st.just(Drag(x=x, y=y, to_x=to_x, to_y=to_y)),
                   TEXT.map(lambda t: Type(text=t)), st.just(Hotkey(keys=("enter",))),
                   DIRECTIONS.map(lambda d: Scroll(direction=d)), (st.none() | TEXT).map(lambda a: Done(answer=a))]
    elif name == "uground":
        options = [click(("left", 1))]
    else:
        raise AssertionError(f"no round-trip strategy for format {name!r}: add what its grammar can spell")
    return draw(st.one_of(options))


def _assert_same(back, action, frame: ModelFrame, text: str) -> None:
    """`back` is `action`, its points up to the format's rounding."""
    tol_x, tol_y = _tolerance(frame)
    assert type(back) is type(action), f"{text!r} read back as {back!r}, not {action!r}"
    moved = {}
    for x_name, y_name in (("x", "y"), ("to_x", "to_y")):
        x, y = getattr(action, x_name, None), getattr(action, y_name, None)
        bx, by = getattr(back, x_name, None), getattr(back, y_name, None)
        if x is None:
            assert bx is None and by is None, f"{text!r} read back as {back!r}, which has a point; {action!r} has none"
            continue
        assert abs(bx - x) <= tol_x and abs(by - y) <= tol_y, (
            f"{text!r} read back at ({bx}, {by}), not ({x}, {y}) within ({tol_x}, {tol_y}): {back!r}")
        moved.update({x_name: x, y_name: y})
    assert back.model_copy(update=moved) == action, f"{text!r} read back as {back!r}, not {action!r}"


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(ALL_FORMAT_NAMES), screen=SCREENS, data=st.data())
def test_rendered_actions_parse_back(name, screen, data):
    fmt = get_format(name)
    frame = fmt.frame(screen)
    action = data.draw(expressible(name, screen), label="action")
    text = fmt.render_action(action, frame)
    proposal = fmt.parse(text, frame)
    assert len(proposal.actions) == 1, f"{text!r} read back as {proposal.actions!r}"
    _assert_same(proposal.actions[0], action, frame, text)
    # The same action as an earlier step without model text: the format re-renders it from the step's screen.
    shot = Screenshot.from_image(_blank(screen), taken_at=0.0)
    history = fmt.history_text(HistoryItem("", "", (action,), screenshot=shot))
    again = fmt.parse(history, frame).actions
    assert len(again) == 1, f"history {history!r} read back as {again!r}"
    _assert_same(again[0], action, frame, history)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(ALL_FORMAT_NAMES), screen=SCREENS, data=st.data())
def test_a_rendered_click_grounds_on_its_point(name, screen, data):
    fmt = get_format(name)
    frame = fmt.frame(screen)
    x, y = _points(screen, data.draw)
    text = fmt.render_action(Click(x=x, y=y), frame)
    grounding = fmt.parse_grounding(text, frame)
    tol_x, tol_y = _tolerance(frame)
    assert abs(grounding.x - x) <= tol_x and abs(grounding.y - y) <= tol_y, (text, grounding)
    assert grounding.frame == frame


def _blank(screen: Size):
    from PIL import Image

    return Image.new("RGB", (screen.width, screen.height))
