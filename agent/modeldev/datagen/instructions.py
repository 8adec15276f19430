"""Generated task instructions with their plans (perception.plan): the planner's training and held-out data.

Each family writes an instruction the way people do (many frames, operator words, numbers in words, quotes or
none, typos, case changes) and the plan it means. The last template of every family, and the last phrase of every
operator word list (agent.modeldev.datagen.task_words), are held out: `sample(rng, "heldout")` draws only
instructions that use one of them, `sample(rng, "train")` none. So the held-out score measures templates and words
the planner never saw, not only new numbers and names.
"""

from __future__ import annotations

import random
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from agent.modeldev.datagen import task_words as W
from perception.plan import PlanStep, format_plan

Split = str  # "train" or "heldout"


@dataclass(frozen=True)
class Instruction:
    """One generated instruction, the plan it means, its family and template, and whether it is held out."""

    text: str
    plan: str
    family: str
    template: str
    heldout: bool


class _Draw:
    """The random choices of one instruction; remembers whether any held-out word was used."""

    def __init__(self, rng: random.Random, split: Split) -> None:
        self.rng, self.split, self.used_heldout = rng, split, False

    def phrase(self, phrases: tuple[str, ...]) -> str:
        """A phrase of a word list whose last entry is held out."""
        if self.split == "heldout" and self.rng.random() < 0.5:
            self.used_heldout = True
            return phrases[W.HELDOUT_PHRASE_INDEX]
        return self.rng.choice(phrases[:W.HELDOUT_PHRASE_INDEX])

    def choice(self, items):
        return self.rng.choice(items)


def _number(d: _Draw, words_ok: bool) -> tuple[str, list[str]]:
    """An operand as written and as keys: mostly small integers, some decimals, some spelt out."""
    rng = d.rng
    if rng.random() < 0.12:
        text = f"{rng.randint(0, 99)}.{rng.choice(['5', '25', '75', '1', '2'])}"
        return text, list(text)
    n = rng.choice([rng.randint(0, 20), rng.randint(0, 99), rng.randint(0, 999)])
    keys = list(str(n))
    if words_ok and rng.random() < 0.15:
        return W.number_words(n), keys
    return str(n), keys


CALC_FRAMES = ("compute {e}", "what is {e}?", "calculate {e}", "{e}", "{e} =", "work out {e} in {app}",
               "use {app} to compute {e}", "in {app}, compute {e}", "how much is {e}?", "find {e} with {app}",
               "please calculate {e} on {app}", "what's {e}", "{app}: {e}", "{e} in {app}", "compute {e} in {app}",
               "could you tell me what {e} comes to, using {app}?")
THEN_WORDS = {"+": ("add {c}", "plus {c}", "then add {c}"), "-": ("subtract {c}", "minus {c}", "take {c} off"),
              "*": ("multiply by {c}", "times {c}", "multiply the result by {c}"),
              "/": ("divide by {c}", "divided by {c}", "divide the result by {c}")}


def _frame(d: _Draw, expression: str, heldout_frame: bool) -> str:
    frames = CALC_FRAMES if heldout_frame else CALC_FRAMES[:-1]
    frame = frames[-1] if heldout_frame else d.choice(frames)
    return frame.format(e=expression, app=d.choice(W.CALC_APPS))


def _calc_binary(d: _Draw) -> tuple[str, list[str]]:
    op = d.choice(list(W.OPERATOR_PHRASES))
    phrase = d.phrase(W.OPERATOR_PHRASES[op])
    words_ok = not any(ch in phrase for ch in "+-*/×÷^")
    a, ka = _number(d, words_ok)
    b, kb = _number(d, words_ok)
    return phrase.format(a=a, b=b), ka + [op] + kb + ["="]


def _calc_then(d: _Draw) -> tuple[str, list[str]]:
    first, keys = _calc_binary(d)
    op = d.choice(list(THEN_WORDS))
    c, kc = _number(d, words_ok=False)
    return f"{first}, then {d.choice(THEN_WORDS[op]).format(c=c)}", keys + [op] + kc + ["="]


def _calc_symbols(d: _Draw) -> tuple[str, list[str]]:
    """A written expression: a chain or one with parentheses, keys in the order written."""
    ops = [d.choice("+-*/") for _ in range(d.rng.randint(1, 3))]
    nums = [_number(d, words_ok=False) for _ in range(len(ops) + 1)]
    text, keys = nums[0][0], list(nums[0][1])
    for op, (n, kn) in zip(ops, nums[1:]):
        text, keys = f"{text} {op} {n}", keys + [op] + kn
    if len(ops) >= 2 and d.rng.random() < 0.5:  # parenthesise the first pair
        first_end = len(f"{nums[0][0]} {ops[0]} {nums[1][0]}")  # the end of the first pair, whatever repeats
        text = f"({text[:first_end]}){text[first_end:]}"
        inner = len(nums[0][1]) + 1 + len(nums[1][1])
        keys = ["("] + keys[:inner] + [")"] + keys[inner:]
    return text, keys + ["="]


def _calc_unary(d: _Draw) -> tuple[str, list[str]]:
    key = d.choice(list(W.UNARY_PHRASES))
    phrase = d.phrase(W.UNARY_PHRASES[key])
    a, ka = _number(d, words_ok=not any(ch in phrase for ch in "^/√("))
    return phrase.format(a=a), ka + [key]


def _calc_unary_then(d: _Draw) -> tuple[str, list[str]]:
    """A unary function's result used in a binary operation ("negative 7 times 6")."""
    first, keys = _calc_unary(d)
    op = d.choice(list(W.OPERATOR_PHRASES))
    b, kb = _number(d, words_ok=False)
    word = {"+": "plus", "-": "minus", "*": d.choice(("times", "x")), "/": "divided by"}[op]
    return f"{first} {word} {b}", keys + [op] + kb + ["="]


def _calc_keys_listed(d: _Draw) -> tuple[str, list[str]]:
    _, keys = d.choice((_calc_binary, _calc_symbols))(d)
    d.used_heldout = False  # the words drawn are thrown away: only the keys are said
    spoken = [f"the {k} button" if d.rng.random() < 0.2 else k for k in keys]
    lead = d.choice(("press", "click", "hit", "tap"))
    return f"in {d.choice(W.CALC_APPS)} {lead} {', '.join(spoken[:-1])} and then {spoken[-1]}", keys


def _calc_clear(d: _Draw) -> tuple[str, list[str]]:
    a, ka = _number(d, words_ok=False)
    b, kb = _number(d, words_ok=False)
    app = d.choice(W.CALC_APPS)
    words = d.choice((f"enter {a} in {app}, clear it with AC, then enter {b}",
                      f"type {a}, press AC to clear, then type {b} in {app}", f"key in {a}, clear, and enter {b}"))
    return words, ka + ["AC"] + kb


def calc(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """A calculator task: the keys to press, then the display's value as the answer."""
    make = {"calc-binary": _calc_binary, "calc-then": _calc_then, "calc-symbols": _calc_symbols,
            "calc-unary": _calc_unary, "calc-unary-then": _calc_unary_then}.get(template)
    if template == "calc-keys-listed":
        text, keys = _calc_keys_listed(d)
    elif template == "calc-clear":
        text, keys = _calc_clear(d)
    else:
        expression, keys = make(d) if make else _calc_binary(d)
        text = _frame(d, expression, heldout_frame=template == "calc-heldout-frame")
    return text, [PlanStep("press", " ".join(keys)), PlanStep("answer")]


def _shell_word(text: str) -> str:
    """`text` as one shell word for echo: quoted only when the shell would change it (a '#', '>', '$', ...)."""
    return text if re.fullmatch(r"[\w ,.=:@-]+", text) else shlex.quote(text)


def _file(d: _Draw) -> str:
    return d.choice(W.FILE_STEMS) + d.choice(W.FILE_EXTS)


def _terminal_command(d: _Draw, template: str) -> tuple[str, str]:
    """(the request in words, the shell command) for a terminal template."""
    f, g, t, n = _file(d), _file(d), d.choice(W.TEXTS), d.rng.randint(1, 9)
    e = _shell_word(t)
    dir_, p = d.choice(W.DIR_NAMES), d.choice(W.PATTERNS)
    q = d.choice(("'", '"', ""))
    table = {
        "term-write": (d.choice((f"write {q}{t}{q} to {f}", f"create {f} containing {q}{t}{q}",
                                 f"put the text {q}{t}{q} in a file called {f}", f"save {q}{t}{q} into {f}",
                                 f"use echo to put {q}{t}{q} in {f}")),
                       f"echo {e} > {f}"),
        "term-append": (d.choice((f"add the line {q}{t}{q} to the end of {f}", f"append {q}{t}{q} to {f}",
                                  f"add {q}{t}{q} as a new last line of {f}")), f"echo {e} >> {f}"),
        "term-mkdir": (d.choice((f"make a folder called {dir_}", f"create the directory {dir_}",
                                 f"create a new directory named {dir_}", f"use mkdir to make a folder named {dir_}")),
                       f"mkdir {dir_}"),
        "term-move": (d.choice((f"rename {f} to {g}", f"move {f} to {g}", f"change the name of {f} to {g}")),
                      f"mv {f} {g}"),
        "term-copy": (d.choice((f"copy {f} to {g}", f"make a copy of {f} named {g}", f"back up {f} as {g}")),
                      f"cp {f} {g}"),
        "term-count": (d.choice((f"count the lines of {f} and write the number to {g}",
                                 f"write how many lines {f} has into {g}")), f"wc -l < {f} > {g}"),
        "term-sort": (d.choice((f"sort the lines of {f} into {g}", f"write {f} sorted alphabetically to {g}")),
                      f"sort {f} > {g}"),
        "term-sort-n": (d.choice((f"sort the numbers in {f} numerically and save them to {g}",
                                  f"write the numbers of {f} from smallest to largest to {g}",
                                  f"sort {f} in ascending numeric order into {g}")),
                        f"sort -n {f} > {g}"),
        "term-grep": (d.choice((f"put the lines of {f} that contain {p} into {g}",
                                f"save every line of {f} with {p} in it to {g}",
                                f"keep only the lines of {f} that mention {p}, in {g}",
                                f"copy the lines mentioning {p} from {f} into {g}")), f"grep {p} {f} > {g}"),
        "term-grep-c": (d.choice((f"count the lines containing {p} in {f} and write the count to {g}",)),
                        f"grep -c {p} {f} > {g}"),
        "term-head": (d.choice((f"write the first {n} lines of {f} to {g}", f"save the top {n} lines of {f} as {g}")),
                      f"head -n {n} {f} > {g}"),
        "term-pwd": (d.choice((f"save the current directory path in {f}", f"write the working directory to {f}")),
                     f"pwd > {f}"),
        "term-touch": (d.choice((f"create an empty file called {f}", f"make a new empty file {f}")), f"touch {f}"),
        "term-remove": (d.choice((f"delete the file {f}", f"remove {f}")), f"rm {f}"),
        "term-list": (d.choice((f"write the list of files here into {f}", f"save a listing of this folder to {f}")),
                      f"ls > {f}"),
    }
    if template == "term-mkdir-p":
        path = "/".join(d.choice(W.DIR_NAMES) for _ in range(3))
        return d.choice((f"create the nested folders {path}", f"make the directory path {path}")), f"mkdir -p {path}"
    if template == "term-literal":
        words, command = table[d.choice(sorted(table))]
        frame = d.choice(("run `{c}`", "run the command {c}", "{app}: {c}", "type {c} in {app} and press enter",
                          "execute {c}", "in {app}, run {c}"))
        return frame.format(c=command, app=d.choice(W.TERMINAL_APPS)), command
    if template == "term-heldout":  # held out: a request no training template words this way
        word = d.choice([w for w in W.TEXTS if w.isalpha()])
        return f"I need {f} to contain just the word {word}", f"echo {word} > {f}"
    return table[template]


def terminal(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """A terminal task: type the command and press Enter."""
    words, command = _terminal_command(d, template)
    if template != "term-literal" and d.rng.random() < 0.6:
        words = d.choice(("in {app}, {w}", "{w} using {app}", "{w} in {app}", "{w}")).format(
            w=words, app=d.choice(W.TERMINAL_APPS))
    return words, [PlanStep("type", command), PlanStep("key", "enter")]


def _typed_lines(text: str) -> list[PlanStep]:
    return [PlanStep("type", text)]


def editor(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """An editor task: type text (over the old text, or at the end), then save, naming the file if it is new."""
    t, f, app = d.choice(W.TEXTS), d.choice(W.FILE_STEMS) + ".txt", d.choice(W.EDITOR_APPS)
    q = d.choice(("'", '"', ""))
    if template == "edit-save-as":
        words = d.choice((f"write {q}{t}{q} in {app} and save it as {f}", f"type {q}{t}{q} and save the file as {f}",
                          f"in {app}, enter {q}{t}{q} then save as {f}", f"create {f} with the text {q}{t}{q} in {app}"))
        return words, _typed_lines(t) + [PlanStep("save", f)]
    if template == "edit-replace":
        words = d.choice((f"replace the contents of {f} with {q}{t}{q} and save",
                          f"in {app}, change the whole text to {q}{t}{q} and save it",
                          f"overwrite the text with {q}{t}{q}, then save", f"{f}: make it say {t}, save",
                          f"make {f} contain only {q}{t}{q} in {app} and save it"))
        return words, [PlanStep("key", "ctrl+a")] + _typed_lines(t) + [PlanStep("save")]
    if template == "edit-append":
        words = d.choice((f"add {q}{t}{q} as the last line of {f} and save it", f"append {q}{t}{q} to the end and save",
                          f"{f}: append {t}, save", f"in {app}, add a line {q}{t}{q} at the end of the text and save",
                          f"{f} in {app}: add {q}{t}{q} at the bottom, then save the file"))
        return words, [PlanStep("key", "ctrl+end")] + _typed_lines(t) + [PlanStep("key", "enter"), PlanStep("save")]
    if template == "edit-lines":  # two lines of text (generator v3)
        first, second = d.rng.sample([x for x in W.TEXTS if "," not in x], 2)
        words = d.choice((f"type {first}, Enter, {second}", f"type {q}{first}{q}, press Enter, then {q}{second}{q}",
                          f"write {q}{first}{q} on the first line and {q}{second}{q} on the second",
                          f"type two lines in {app}: {q}{first}{q} and {q}{second}{q}",
                          f"in {app} type {first}, Enter, {second}, Enter"))
        steps = [PlanStep("type", first), PlanStep("key", "enter"), PlanStep("type", second)]
        steps += [PlanStep("key", "enter")] if words.endswith("Enter") else []
        if d.rng.random() < 0.5 or words.endswith("Enter"):  # lines ending in Enter, unsaved, read as commands
            return f"{words}, then save it as {f}", steps + [PlanStep("save", f)]
        return words, steps
    if template == "edit-type":
        words = d.choice((f"type {q}{t}{q} into {app}", f"write {q}{t}{q} in the editor", f"enter the text {q}{t}{q}"))
        return words, _typed_lines(t)
    # edit-heldout
    return f"put {q}{t}{q} in a new document called {f}", _typed_lines(t) + [PlanStep("save", f)]


def menu(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """Open a menu and choose an item, named by where it is or by what it does."""
    if template == "menu-function":
        asks, name, item = d.choice(W.MENU_FUNCTIONS)
        return d.choice(asks).format(app=d.choice(W.MENU_APPS)), [PlanStep("click", name), PlanStep("click", item)]
    name = d.choice(list(W.MENUS))
    item = d.choice(W.MENUS[name])
    bare = item.rstrip(".")
    frames = {"menu-open-choose": (f"open the {name} menu and choose {bare}", f"click {name}, then {bare}",
                                   f"choose {bare} from the {name} menu", f"select {name} > {bare}"),
              "menu-item-of": (f"the '{bare}' entry of the {name} menu", f"click {bare} in the {name} menu",
                               f"use {name} → {bare}"),
              "menu-heldout": (f"go to {name} and pick {bare}",)}
    return d.choice(frames[template]), [PlanStep("click", name), PlanStep("click", item)]


def click_one(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """Click one element named by its text, its field label or its role."""
    if template == "click-field":
        label = d.choice(W.FIELD_LABELS)
        words = d.choice((f"click the '{label}' field", f"the {label} input box", f"focus the {label} entry",
                          f"the text box next to '{label}'", f"click into the {label} field",
                          f"the box labelled {label}", f"the {label} text box"))
        return words, [PlanStep("click", f"[{label}]")]
    if template == "click-check":
        label = d.choice(W.CHECK_LABELS)
        words = d.choice((f"tick '{label}'", f"the '{label}' checkbox", f"select the {label} option",
                          f"choose {label}"))
        return words, [PlanStep("click", label)]
    label = d.choice(W.BUTTON_LABELS)
    frames = {"click-button": (f"click the '{label}' button", f"press {label}", f"click '{label}'",
                               f"hit the {label} button", f"the '{label}' button", f"click {label}"),
              "click-heldout": (f"where is the {label} button? click it",)}
    return d.choice(frames[template]), [PlanStep("click", label)]


def form(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """Fill text fields of a form, maybe choose and tick, then submit."""
    name, city = d.choice(W.PEOPLE), d.choice(W.CITIES)
    email = name.split()[0].lower() + "@" + d.choice(W.DOMAINS)
    fields = d.rng.sample([("Name", name, "name"), ("Email", email, "email"), ("City of residence", city, "city")],
                          d.rng.randint(1, 3))
    parts, steps = [], []
    for label, value, word in fields:
        parts.append(d.choice((f"{word} {value}", f"the {word} {value}", f"{value} as the {word}")))
        steps += [PlanStep("click", f"[{label}]"), PlanStep("type", value)]
    if d.rng.random() < 0.4:
        plan = d.choice(("Basic", "Pro", "Enterprise"))
        parts.append(d.choice((f"the {plan} plan", f"plan {plan}")))
        steps.append(PlanStep("click", plan))
    if d.rng.random() < 0.3:
        parts.append(d.choice(("subscribe to the newsletter", "tick Subscribe", "with the newsletter")))
        steps.append(PlanStep("click", "Subscribe"))
    submit = [PlanStep("click", "Submit")]
    if template == "form-terse":  # generator v3: the values in the form's order, then its choices
        order = [f for f in (("Name", name), ("Email", email), ("City of residence", city)) if f in
                 [(label, value) for label, value, _ in fields]]
        steps = [s for label, value in order for s in (PlanStep("click", f"[{label}]"), PlanStep("type", value))]
        choices = _choices(d)
        said = [value for _, value in order] + [{"Subscribe": "newsletter"}.get(c.arg, c.arg) for c in choices]
        sep = d.choice((" / ", "; ", ", "))
        lead = d.choice(("form: ", "signup form: ", "fill the form: ", ""))
        return lead + sep.join(said) + d.choice((", submit", " - submit", "; then submit")), steps + choices + submit
    if template == "form-labelled":  # generator v3: each field by its label's words
        parts = [d.choice((f"type {value} in the box labelled {label}", f"put {value} into the {label} field",
                           f"the {label} box: {value}", f"enter {value} in the {label} text box"))
                 for label, value, _ in fields]
        return "; ".join(parts) + d.choice((", then click Submit", ", and press the Submit button", "; submit")), \
            steps[:2 * len(fields)] + submit
    lead = {"form-fill": "fill in the form with ", "form-heldout": "sign me up on the form using "}[template]
    return lead + ", ".join(parts) + " and submit it", steps + submit


def _choices(d: _Draw) -> list[PlanStep]:
    """The form's plan choice and newsletter box, each maybe."""
    steps = [PlanStep("click", d.choice(("Basic", "Pro", "Enterprise")))] if d.rng.random() < 0.4 else []
    return steps + ([PlanStep("click", "Subscribe")] if d.rng.random() < 0.3 else [])


def refuse(d: _Draw, template: str) -> tuple[str, list[PlanStep]]:
    """A request the apps at hand cannot do."""
    app, request = d.choice(W.IMPOSSIBLE)
    request = request.format(f=d.choice(W.FUNCTIONS), lang=d.choice(W.LANGUAGES), city=d.choice(W.CITIES))
    words = {"refuse-plain": d.choice((f"{request} in {app}", f"use {app} to {request}", f"{request}",
                                       f"in {app}, {request}")),
             "refuse-heldout": f"is it possible to {request} with {app}? do it"}[template]
    return words, [PlanStep("refuse")]


FAMILIES: dict[str, tuple[Callable[[_Draw, str], tuple[str, list[PlanStep]]], tuple[str, ...], float]] = {
    # family: (writer, templates (the last one is held out), share of the mix)
    "calc": (calc, ("calc-binary", "calc-then", "calc-symbols", "calc-unary", "calc-unary-then", "calc-keys-listed",
                    "calc-clear",
                    "calc-heldout-frame"), 0.35),
    "terminal": (terminal, ("term-write", "term-append", "term-mkdir", "term-mkdir-p", "term-move", "term-copy",
                            "term-count", "term-sort", "term-sort-n", "term-grep", "term-grep-c", "term-head",
                            "term-pwd", "term-touch", "term-remove", "term-list", "term-literal", "term-heldout"), 0.2),
    "editor": (editor, ("edit-save-as", "edit-replace", "edit-append", "edit-type", "edit-lines", "edit-heldout"),
               0.12),
    "menu": (menu, ("menu-open-choose", "menu-item-of", "menu-function", "menu-heldout"), 0.12),
    "click": (click_one, ("click-field", "click-check", "click-button", "click-heldout"), 0.1),
    "form": (form, ("form-fill", "form-terse", "form-labelled", "form-heldout"), 0.08),
    "refuse": (refuse, ("refuse-plain", "refuse-heldout"), 0.07),
}


def _perturb(rng: random.Random, text: str, plan: str, family: str) -> str:
    """Typos and case changes people make, where they do not change what the plan copies: a swapped pair of
    letters in one word the plan does not contain, the first letter capitalised, and all lower or upper case for
    calculator and impossible tasks (whose plans copy no letters)."""
    words = text.split(" ")
    plan_words = {w.strip(".,:;'\"") for w in plan.lower().split()}
    free = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.lower() not in plan_words]
    if free and rng.random() < 0.12:
        i = rng.choice(free)
        j = rng.randrange(1, len(words[i]) - 2)
        w = words[i]
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    text = " ".join(words)
    r = rng.random()
    if family in ("calc", "refuse") and r < 0.1:
        return text.lower()
    if family in ("calc", "refuse") and r < 0.13:
        return text.upper()
    if r < 0.3 and words[0].lower() not in plan_words:
        return text[:1].upper() + text[1:]
    return text


WORDY_SHARE = 0.25  # training instructions wrapped in a wordy frame (generator v3)


def _wordy(rng: random.Random, text: str, family: str) -> str:
    """`text` in more words, the way people write a request ("Please go to the terminal window and ...")."""
    frame = rng.choice(W.WORDY_FRAMES)
    request = text[:1].lower() + text[1:]  # a verb (REQUEST_VERBS): "Compute ..." -> "Please compute ..."
    return frame.format(w=request.rstrip("?"), app=rng.choice(W.FAMILY_APPS[family]))


def sample(rng: random.Random, split: Split) -> Instruction:
    """One instruction of `split`: "train" uses no held-out template or word, "heldout" at least one."""
    names = list(FAMILIES)
    while True:
        family = rng.choices(names, weights=[FAMILIES[n][2] for n in names])[0]
        writer, templates, _ = FAMILIES[family]
        d = _Draw(rng, split)
        template = templates[-1] if split == "heldout" and rng.random() < 0.5 else rng.choice(templates[:-1])
        text, steps = writer(d, template)
        heldout = template == templates[-1] or d.used_heldout
        if heldout == (split == "heldout"):
            plan = format_plan(steps)
            if (split == "train" and family in W.FAMILY_APPS and text.split(" ")[0].lower() in W.REQUEST_VERBS
                    and rng.random() < WORDY_SHARE):
                text = _wordy(rng, text, family)
            return Instruction(_perturb(rng, text, plan, family), plan, family, template, heldout)


def dataset(seed: int, split: Split, count: int) -> list[Instruction]:
    """`count` instructions of `split`, reproducible from `seed`."""
    rng = random.Random(seed)
    return [sample(rng, split) for _ in range(count)]
