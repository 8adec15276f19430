"""Whether a plan copies what its instruction says: its numbers, quoted texts, file names and typed values.

A planner can read "compute 12 times 7" as `press 1 2 * 6 ; answer`. The player would then find 72 on the
display, as that plan should produce, and say done: the screen cannot tell that plan from the right one. The
instruction can. What a plan copies (the numbers it presses, the text it types into a field or a document, the
file names it saves or uses) must be in the instruction. `unsupported(instruction, plan)` lists each copy that breaks this, as words for a message.

The check is of copies, and of the app a plan is for: a command the plan writes for "list the files" (`ls`) is
the planner's to choose, but `notes.txt` in it must be a name the instruction gave (with its capitals: file names
are case-sensitive), a command must use every file the instruction names ("write the path into where.txt" is not
`pwd > txt`), and a name the instruction gives ("a folder named projects") must be in the plan. A task for the
terminal is not a document to save, a task for an editor is no shell command to run, and a plan that types the
same value twice or clicks the same label twice in a row (a ticked box ticked again is unticked) is a
planner looping, not a plan. What the task says also limits how: a choice ("choose the Pro plan") is clicked, not
typed; a function key (`1/x`, `x^2`, `sqrt`) needs words asking for it; a command the task writes out keeps its
`>>`, `<` and `|`; a command writes only files the task names; a document is saved under one name.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from perception.plan import Plan, PlanStep

# A number standing alone: not the 2 of "report2.txt".
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
_FILE_NAME = re.compile(r"(?<![\w.@-])[\w-]+\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])")
# 'text' or "text" (or typographic quotes) opening after a space or the start: the apostrophe of "galculator's" is
# no quote.
_QUOTED = re.compile(r"""(?:(?<=[\s:(])|^)(?:'([^']+)'|"([^"]+)"|“([^”]+)”|‘([^’]+)’)(?=[\s,.;:!?)]|$)""")
# Words that put a number into a plan that neither digits nor number words give ("double 8", "two and a half").
_VAGUE_NUMBER_WORDS = frozenset(
    "dozen half halve halved halves double doubled twice triple tripled thrice quarter percent square squared cube "
    "cubed point".split())
_BINARY = frozenset("+-*/")
# The digits a vague number word may bring into a calculation: "half" is 0.5 or /2, "a quarter" 0.25, 0.75 or /4.
_VAGUE_DIGITS = {"half": "25", "halve": "25", "halved": "25", "halves": "25", "quarter": "2574", "dozen": "12",
                 "double": "2", "doubled": "2", "twice": "2", "triple": "3", "tripled": "3", "thrice": "3",
                 "percent": "100", "square": "2", "squared": "2", "cube": "3", "cubed": "3"}
_KEY_REFERENCE_WORDS = frozenset({"the", "to", "of", "above", "below", "beside", "under", "over"})
_PLACE_WORDS = frozenset({"above", "below", "beside", "under", "near"})
# "a folder named projects", "a file called 'notes.txt'", "the box labelled Name": the name is the next word.
_NAMED = re.compile(r"""\b(named|called|labell?ed)\s+(?:'([^']+)'|"([^"]+)"|([\w.-]*\w))""", re.IGNORECASE)
_NOT_A_NAME = frozenset({"a", "an", "the", "after", "by", "for", "in", "on", "with", "it", "this", "that", "as"})
_TERMINAL_WORDS = frozenset({"terminal", "xterm", "shell", "bash", "console", "echo"})
_EDITOR_WORDS = frozenset({"mousepad", "editor", "gedit", "notepad"})
_NAMES_A_NEW_FILE = re.compile(r"\b(new (document|file)|save (it |this |the \w+ )?as|file ?name|name it)\b",
                               re.IGNORECASE)
_FUNCTION_WORDS = {"1/x": ("reciprocal", "inverse", "invert", "one over", "1 over", "1/", "1 /"),
                   "x^2": ("square", "squared", "x^2", "x²", "^2", "power of two", "power of 2", "power 2",
                           "power", "times itself", "multiplied by itself", "second power"),
                   "sqrt": ("root", "sqrt", "√", "times itself", "multiplied by itself")}  # "which number, times
#                                                                                         itself, gives 144?"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# The labels of xcalc's and galculator's keys a plan may press besides digits and + - * / (upper case).
_CALCULATOR_KEYS = frozenset(
    ". = ( ) AC C CE % +/- SQRT X^2 1/X X^Y X^3 E^X 10^X LN LOG SIN COS TAN PI E EE INV DRG X! STO RCL SUM EXC "
    "MS MR MC M+ M- <- BKSP".split())
_CHOOSING = r"(?:choose|choosing|pick|picking|select|selecting|tick|ticking|opt for|go for)"
_NEW_LINE = re.compile(r"\b(a new line|on its own line|on a new line|a second line|the next line|newline|line break)\b",
                       re.IGNORECASE)
_OPTION_WORDS = {("grep", "c"): ("count", "counts", "how many", "number of"),
                 ("grep", "v"): ("not", "without", "except", "exclude", "excluding", "don't", "other than"),
                 ("sort", "r"): ("reverse", "reversed", "descending", "decreasing", "largest first", "biggest first",
                                 "highest first", "z to a")}
_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}


def unsupported(instruction: str, plan: Plan) -> list[str]:
    """Where `plan` does not fit `instruction`, each a clause ("the task gives no digit 6"): copies the instruction
    does not make, numbers and files it gives that the plan leaves out, operators in a row; [] when it fits (a
    refusal copies nothing)."""
    said = _norm(instruction)
    problems: list[str] = []
    problems += _numbers(instruction, plan)
    for step in plan.steps:
        if step.kind == "save" and step.arg and not _says(instruction, step.arg):
            problems.append(f"the task gives no file name {step.arg!r}")
        for name in _FILE_NAME.findall(step.arg) if step.kind in ("type", "save") else ():
            if not _says(instruction, name) and name != step.arg:
                problems.append(f"the task gives no file name {name!r}")
    values = typed_values(plan)
    for step in values:
        if _norm(step.arg) not in said:
            problems.append(f"the task gives no text {step.arg.strip()!r}")
    commands = _norm(" ".join(s.arg for s in plan.steps if s.kind == "type" and s not in values))
    for name in _FILE_NAME.findall(instruction) if commands else ():  # a command uses the files it is told of
        if _norm(name) not in commands:
            problems.append(f"no command uses {name}")
    copied = _squeeze(" ".join(s.arg for s in plan.steps))
    if _NAMES_A_NEW_FILE.search(instruction):  # "a new document ... the file name draft.txt": saved by that name
        problems += [f"no step uses the file name {name}" for name in _FILE_NAME.findall(instruction)
                     if _squeeze(name) not in copied]
    for groups in _QUOTED.findall(instruction):
        quoted = next(g for g in groups if g)
        if _squeeze(quoted.replace("\\n", "")) not in copied:
            problems.append(f"no step uses the quoted {quoted!r}")
    problems += [f"no step uses the name {name!r}" for name in _given_names(instruction)
                 if _squeeze(name) not in copied and not _near(name, copied)]
    problems += _app_misfits(instruction, plan) + _loops(instruction, plan) + _options(instruction, plan)
    problems += _chosen_but_typed(instruction, values) + _unnamed_outputs(instruction, plan, values)
    problems += _saves(instruction, plan) + _function_keys(instruction, plan) + _shell_operators(instruction, plan, values)
    problems += _form_values(instruction, plan)
    if _NEW_LINE.search(instruction) and not any(s == PlanStep("key", "enter") or "\n" in s.arg for s in plan.steps):
        problems.append("the task asks for a new line, and the plan starts none")
    return list(dict.fromkeys(problems))


def _options(instruction: str, plan: Plan) -> list[str]:
    """Command options that change what a command does, which the task must ask for: `grep -c` counts lines
    instead of keeping them, `grep -v` keeps the others, `sort -r` reverses."""
    said = _norm(instruction)
    written = {f for w in said.split() if w.startswith("-") for f in w[1:]}  # "run grep -c WARN ..." asks itself
    problems = []
    for step in plan.steps:
        words = step.arg.split() if step.kind == "type" else []
        for i, word in enumerate(words):
            for flag in (f for w in words[i + 1:] if w.startswith("-") and not w.startswith("--") for f in w[1:]):
                asks = _OPTION_WORDS.get((word, flag))
                if asks is not None and flag not in written and not any(re.search(rf"\b{a}\b", said) for a in asks):
                    problems.append(f"the task does not ask for `{word} -{flag}`")
    return problems


def _function_keys(instruction: str, plan: Plan) -> list[str]:
    """Keys no calculator has (`press 1 2 * 7 xcalc`: the player could not check such a result), and function keys
    the task does not ask for: `1/x` needs a reciprocal, `x^2` a square, `sqrt` a root ("12*7 xcalc" is no `press
    1 2 * 7 1/x`: the x of xcalc is no key)."""
    said = instruction.casefold()
    words = re.findall(r"[a-z]+", said)
    keys = {k for s in plan.steps if s.kind == "press" for k in s.keys}
    unknown = [f"no calculator key is labelled {k!r}" for k in sorted(keys)
               if not (k.isdigit() or k in _BINARY or k.upper() in _CALCULATOR_KEYS)]

    def asked(asks: tuple[str, ...]) -> bool:  # a word misspelt ("SQUAERD") still asks
        return any(a in said for a in asks) or any(
            difflib.SequenceMatcher(None, a, w).ratio() >= 0.8 for a in asks if a.isalpha() for w in words)
    return unknown + [f"the task asks for no {key} key" for key, asks in _FUNCTION_WORDS.items()
                      if key in keys and not asked(asks)]


def _shell_operators(instruction: str, plan: Plan, values: list[PlanStep]) -> list[str]:
    """A command the task writes out keeps its shell operators: `>>` appends where `>` overwrites, `<` and `|`
    feed a command; and no command starts with an app's name and a colon ("xterm: pwd > where.txt" is `pwd >
    where.txt`). `values`: the plan's typed values (typed_values), which are no commands."""
    commands = [s.arg for s in plan.steps if s.kind == "type" and s not in values]
    if not commands:
        return []
    problems = [f"the plan types {c.split()[0]!r} as a command" for c in commands
                if c.split() and re.fullmatch(r"[a-z][\w-]*:", c.split()[0], re.IGNORECASE)]
    addressed = re.match(r"\s*([a-z][\w-]*:)\s", instruction, re.IGNORECASE)  # "xterm: pwd > where.txt"
    if addressed:  # the command is what follows the address: a word with a colon it lacks is the address, misread
        rest = instruction[addressed.end():].casefold().split()  # ("echo term: pwd > where.txt")
        problems += [f"the plan types the task's address in {c.strip()!r}" for c in commands
                     if any(w.endswith(":") and w not in rest for w in c.casefold().split()[1:])]
    said = Counter(re.findall(r"(?<![<>])(>>|<|\|)(?![<>|])", instruction))
    typed = Counter(re.findall(r"(?<![<>])(>>|<|\|)(?![<>|])", " ".join(commands)))
    return problems + [f"the task writes `{op}`, and no command has it" for op in said if typed[op] < said[op]]


def _form_values(instruction: str, plan: Plan) -> list[str]:
    """What a form task gives that a plan filling fields leaves out: its email addresses and its capitalised words
    (names, cities, a plan's name: "form: Alan Turing / alan@bletchley.example / Manchester / newsletter / Basic"),
    and the newsletter it asks to subscribe to. A sentence's first word is no value."""
    steps = plan.steps
    if not any(a.kind == "click" and a.arg.startswith("[") and b.kind == "type" for a, b in zip(steps, steps[1:])):
        return []  # no field is filled: a plan that only clicks one ("the box labelled Name") leaves nothing out
    text = " ".join(s.arg for s in steps)
    copied = _squeeze(text)
    values = [m.group() for m in _EMAIL.finditer(instruction)]
    for m in re.finditer(r"\b[A-Z][\w-]*", instruction):
        first = not instruction[:m.start()].strip() or instruction[:m.start()].rstrip()[-1] in ".!?"
        if not first and m.group() != "I":
            values.append(m.group())
    problems = [f"the plan leaves out {v!r}" for v in dict.fromkeys(values)
                if _squeeze(v) not in copied and not _near(v, text.casefold())]
    if re.search(r"\b(newsletter|subscribe)", instruction, re.IGNORECASE) and not re.search(
            r"newsletter|subscribe", copied):
        problems.append("the task asks for the newsletter, and the plan ticks nothing for it")
    return problems


def _saves(instruction: str, plan: Plan) -> list[str]:
    """A document is saved under one name, and under a file name the task gives when it gives any (`save call mom ;
    ... ; save todo.txt` is a misread "write 'buy milk' and 'call mom' and save them as todo.txt")."""
    names = list(dict.fromkeys(s.arg.strip() for s in plan.steps if s.kind == "save" and s.arg.strip()))
    problems = [f"the plan saves under two names, {names[0]!r} and {names[1]!r}"] if len(names) > 1 else []
    given = _FILE_NAME.findall(instruction)
    problems += [f"the plan saves as {name!r}, not as the file name the task gives" for name in names
                 if given and not _FILE_NAME.fullmatch(name)]
    return problems


def _chosen_but_typed(instruction: str, values: list[PlanStep]) -> list[str]:
    """Values the task says to choose ("choose the Enterprise plan", "pick Pro", "tick newsletter") that the plan
    types: a choice is clicked in its list or box; typed, it lands in whatever field has the focus."""
    problems = []
    for step in values:
        value = step.arg.strip()
        if value and re.search(rf"\b{_CHOOSING}\s+(?:the\s+|an?\s+)?{re.escape(value)}\b", instruction, re.IGNORECASE):
            problems.append(f"the task says to choose {value!r}, and the plan types it")
    return problems


def _unnamed_outputs(instruction: str, plan: Plan, values: list[PlanStep]) -> list[str]:
    """Files a command writes (`> data`, `>> log`) that the instruction does not name: the file a task asks for
    is named by its user; one the planner made up is a misread task (`echo -n galculator > data` for
    "galculator prefs")."""
    problems = []
    for step in plan.steps:
        if step.kind != "type" or step in values:
            continue
        for target in re.findall(r">>?\s*([^\s;|&<>]+)", step.arg):
            name = target.rstrip("/").rsplit("/", 1)[-1]
            checked = _FILE_NAME.fullmatch(name)  # a name with an extension is checked with the other file names
            if not target.startswith(("/dev/", "&")) and name and not checked and not _says(instruction, name):
                problems.append(f"the task names no file {name!r} for the command to write")
    return problems


def _near(name: str, copied: str) -> bool:
    """Whether a misspelt `name` ("labelled Saerch") is a word the plan copies (`[Search]`): most letters alike."""
    words = re.findall(r"\w+", copied)
    return any(difflib.SequenceMatcher(None, name.casefold(), w).ratio() >= 0.8 for w in words)


def _says(instruction: str, name: str) -> bool:
    """Whether `name` is in the instruction as written: a file name with its capitals (`Hello.txt` is not the
    user's `hello.txt`), anything else in any case."""
    if _FILE_NAME.fullmatch(name.strip()):
        return " ".join(name.split()) in " ".join(instruction.split())
    return _norm(name) in _norm(instruction)


def _given_names(instruction: str) -> list[str]:
    """The names the instruction gives something: the word after "named", "called" or "labelled" ("a folder named
    projects", "a file called notes.txt"), quoted or bare."""
    names = []
    for m in _NAMED.finditer(instruction):
        name = next(g for g in m.groups()[1:] if g)
        if name.casefold() not in _NOT_A_NAME:
            names.append(name)
    return names


def _app_misfits(instruction: str, plan: Plan) -> list[str]:
    """A plan for another kind of app than the instruction names: a terminal task saved as a document, or an
    editor task run as a shell command (a typed line with a redirection, then Enter)."""
    words = set(re.findall(r"[a-z]+", instruction.casefold()))
    terminal, editor = bool(words & _TERMINAL_WORDS), bool(words & _EDITOR_WORDS)
    steps = plan.steps
    if terminal and not editor and any(s.kind == "save" for s in steps):
        return ["the task is for the terminal, and the plan saves a document"]
    commands = [s for i, s in enumerate(steps) if s.kind == "type" and ">" in s.arg
                and i + 1 < len(steps) and steps[i + 1] == PlanStep("key", "enter")]
    if editor and not terminal and commands:
        return [f"the task is for a text editor, and the plan runs the command {commands[0].arg.strip()!r}"]
    return []


def _loops(instruction: str, plan: Plan) -> list[str]:
    """A planner that loops: the same value typed twice, the same label clicked twice in a row (unless the
    task asks for repeats: "twice", "again", "three times")."""
    words = set(re.findall(r"[a-z]+", instruction.casefold()))
    if words & {"twice", "again", "thrice", "times", "repeat", "repeatedly"}:
        return []
    problems = [f"the plan types {text!r} twice" for text, n in
                Counter(s.arg.strip() for s in typed_values(plan)).items() if n > 1 and text]
    steps = plan.steps
    for a, b in zip(steps, steps[1:]):
        if a.kind == "click" and a == b:
            problems.append(f"the plan clicks {a.arg!r} twice in a row")
    # A field is filled once, and with a value, not with its own label (`click [Name] ; type Name`).
    filled = [(a.arg, b.arg.strip()) for a, b in zip(steps, steps[1:])
              if a.kind == "click" and a.arg.startswith("[") and b.kind == "type"]
    problems += [f"the plan types into {field} twice" for field, n in Counter(f for f, _ in filled).items() if n > 1]
    problems += [f"the plan types the label {value!r} into its own field" for field, value in filled
                 if _norm(value) == _norm(field[1:-1])]
    # An email field takes an email address, and only it does ("subscribe" typed into [Email] is a misread task).
    problems += [f"the plan types {value!r} into {field}" for field, value in filled
                 if ("mail" in field.casefold()) != bool(_EMAIL.fullmatch(value))]
    return problems


def _numbers(instruction: str, plan: Plan) -> list[str]:
    """Numbers the plan uses and the instruction does not give, in digits or in words ("fifty-eight"). Calculator
    keys count digit by digit: "press 2, 3 and +" is the plan `press 2 3 +`, and "the * button next to the 6"
    names a key it need not press."""
    words = re.findall(r"[a-z]+", instruction.casefold())
    keys = [k for s in plan.steps if s.kind == "press" for k in s.keys]
    if _VAGUE_NUMBER_WORDS.intersection(words):  # "double 8", "two and a half": numbers the planner works out,
        # but the ones written in digits are entered ("take 37 and then 18 away from 100, using - twice")
        written = [m.group() for m in _NUMBER.finditer(instruction) if not _names_a_key(instruction, m.start())]
        if not keys:
            return []
        # and the digits pressed come from the numbers given, in digits or words, or from the vague words
        # (`4 5 + 2 1 . 5` for "add two and a half to four point seven five" makes up 45 and 21)
        given = (Counter(c for c in instruction if c.isdigit()) + Counter(c for n in spelled_numbers(words)
                                                                          for c in str(n))
                 + Counter(c for w in words for c in _VAGUE_DIGITS.get(w, "")))
        return _unused(written, keys) + _extra_digits(keys, given)
    spelled = spelled_numbers(words)
    # A digit that only says where a key is ("the * key next to the 6") is not one to press.
    places = [m.group() for m in _NUMBER.finditer(instruction) if _names_a_place(instruction, m.start())]
    digits = (Counter(c for c in instruction if c.isdigit()) - Counter("".join(places))
              + Counter(c for n in spelled for c in str(n)))
    problems = _extra_digits(keys, digits)
    given = {float(n) for n in _NUMBER.findall(instruction)} | {float(n) for n in spelled}
    for step in plan.steps:
        if step.kind in ("type", "save", "click"):
            problems += [f"the task gives no number {n}" for n in _NUMBER.findall(step.arg) if float(n) not in given]
    if keys:  # a calculation uses the numbers it is given ("nine minus fourteen" is not 14 - 14)
        numbers = _key_numbers(keys)
        labels = " ".join(k for k in keys if not k.isdigit())
        operands = [m.group() for m in _NUMBER.finditer(instruction) if not _names_a_key(instruction, m.start())]
        operands += [str(n) for n in spelled if n]  # not "zero": "below zero" is no operand
        one_by_one = all(len(n) == 1 for n in operands)
        problems += _unused(operands, keys)
        problems += [f"the keys {a} {b} come in a row" for a, b in zip(keys, keys[1:]) if a in _BINARY and b in _BINARY]
        if not problems and not one_by_one:  # keys enter only given numbers: `1 4 + 9 - 1 0` for "nine minus
            problems += [f"the keys enter {n:g}, which the task does not give" for n in sorted(numbers)  # fourteen"
                         if n not in given and f"{n:g}" not in labels]  # makes up a 10
        if _negative(instruction) and not {"+/-", "-"} & set(keys):
            problems.append("the task gives a negative number, and no key makes one")
    return problems


def _extra_digits(keys: list[str], given: Counter) -> list[str]:
    """The digits the keys press more often than `given` (digit -> count) allows."""
    pressed = Counter(c for k in keys if k.isdigit() for c in k)
    return [f"the task gives no digit {d}" for d, n in sorted(pressed.items()) if n > given[d]]


def _negative(instruction: str) -> bool:
    """Whether a number is written with a minus sign of its own ("-7*6", "(-3) + 4"), not a minus between two
    numbers ("20 - 8", "20 -8")."""
    for m in re.finditer(r"-(?=\d)", instruction):
        before = instruction[:m.start()].rstrip()
        if not before or not (before[-1].isdigit() or before[-1] in ").%"):  # "multiply -7 by 6" too
            return True
    return False


def _unused(operands: list[str], keys: list[str]) -> list[str]:
    """The given operands no key enters. An operand is used when the keys enter it, or a key's label holds it (the 1
    of "1 divided by 8, using the 1/x key"). Digits given one by one ("press 2, 3, +, 1, 9") are used inside the
    numbers they make."""
    numbers = _key_numbers(keys)
    labels = " ".join(k for k in keys if not k.isdigit())
    one_by_one = all(len(n) == 1 for n in operands)
    entered = " ".join(f"{n:g}" for n in numbers)
    return [f"no key enters the given {n}" for n in dict.fromkeys(operands)
            if float(n) not in numbers and n not in labels and not (one_by_one and n in entered)]


def _key_numbers(keys: list[str]) -> set[float]:
    """The numbers a calculator's keys enter: runs of digit keys and points (`1 2 . 5` is 12.5)."""
    numbers, run = set(), ""
    for key in (*keys, ""):
        if key.isdigit() or key == ".":
            run += key
            continue
        if run.strip("."):
            numbers.add(float(run))
        run = ""
    return numbers


def _names_a_place(instruction: str, at: int) -> bool:
    """Whether the number at `at` says where a key is ("next to 0", "right of the 9", "above the 6"), not a key
    to press ("press the 7 key")."""
    before = re.findall(r"[a-z]+", instruction[max(0, at - 20):at].casefold())
    if before[-1:] == ["the"]:
        before = before[:-1]
    pair = " ".join(before[-2:])
    return bool(before) and (before[-1] in _PLACE_WORDS or pair in ("next to", "right of", "left of"))


def _names_a_key(instruction: str, at: int) -> bool:
    """Whether the number at `at` names a key by its place ("the * button next to the 6", "right of 9")."""
    before = re.findall(r"[a-z]+", instruction[max(0, at - 12):at].casefold())
    return bool(before) and before[-1] in _KEY_REFERENCE_WORDS


def spelled_numbers(words: list[str]) -> list[int]:
    """The numbers written in words among `words` (lower case, hyphens split): "fifty eight" is 58, "one hundred
    and five" 105, "nine minus fourteen" 9 and 14."""
    numbers: list[int] = []
    current: int | None = None
    for word in words:
        value = _ONES.get(word, _TENS.get(word))
        if value is not None:
            hundreds = current is not None and current >= 100 and current % 100 == 0
            tens = current is not None and current % 100 >= 20 and current % 10 == 0 and word in _ONES and value < 10
            if current is not None and not (hundreds or tens):
                numbers.append(current)
                current = None
            current = (current or 0) + value
        elif word in ("hundred", "thousand"):
            current = (current or 1) * (100 if word == "hundred" else 1000)
        elif word == "and" and current is not None and current >= 100:
            continue  # "one hundred and five"
        elif current is not None:
            numbers.append(current)
            current = None
    return numbers + ([current] if current is not None else [])


def typed_values(plan: Plan) -> list[PlanStep]:
    """The `type` steps whose text is a value to copy (a field's or a document's), not a command: a command is
    typed, then Enter, in a plan that saves nothing, fills no field and types no line without Enter after it
    (`type buy milk ; key enter ; type call mom` is two lines of a document)."""
    steps = plan.steps
    entered = [i + 1 < len(steps) and steps[i + 1] == PlanStep("key", "enter") for i in range(len(steps))]
    text = any(s.kind == "save" for s in steps) or any(s.kind == "type" and not e for s, e in zip(steps, entered))
    values = []
    for i, step in enumerate(steps):
        if step.kind != "type":
            continue
        into_field = i > 0 and steps[i - 1].kind == "click" and steps[i - 1].arg.startswith("[")
        if into_field or text:
            values.append(step)
    return values


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _squeeze(text: str) -> str:
    return "".join(text.casefold().split())
