"""A plan may copy only what its instruction says (perception.plan_copies), and a planner whose greedy plan makes
something up tries its alternatives, then says what it made up (perception.planner.base)."""

from __future__ import annotations

import pytest

from perception.errors import PlanMismatchError
from perception.plan import parse_plan
from perception.plan_copies import unsupported
from perception.planner.base import PlannerBase


@pytest.mark.parametrize("instruction, plan, problems", [
    ("compute 12 times 7 in the calculator", "press 1 2 * 6 = ; answer",
     ["the task gives no digit 6", "no key enters the given 7"]),
    ("compute 12 times 7 in the calculator", "press 1 2 * 7 = ; answer", []),
    ("144/12 on xcalc", "press 1 4 4 / 1 2 = ; answer", []),
    ("144/12 on xcalc", "press 1 4 4 4 / 1 2 = ; answer",
     ["the task gives no digit 4", "no key enters the given 144"]),  # one 4 too many
    # numbers in words are the planner's to write in digits
    ("what is twelve times seven?", "press 1 2 * 7 = ; answer", []),
    ("compute nine minus fourteen", "press 1 4 - 1 4 = ; answer", ["the task gives no digit 1", "the task gives no digit 4", "no key enters the given 9"]),
    ("take fifty-eight away from one hundred", "press 1 0 0 - 5 8 = ; answer", []),
    ("I spent fourteen euros but only had nine; compute nine minus fourteen", "press 1 4 9 - 1 4 = ; answer",
     ["no key enters the given 9"]),
    ("what is double 8?", "press 8 * 2 = ; answer", []),  # a number the planner works out
    ("144/12 on xcalc", "press 1 4 4 / * 1 2 = ; answer", ["the keys / * come in a row"]),
    # digits given one by one enter one number; "the 9" names a key by its place
    ("in galculator press 2, 3, the + button, 1, 9 and =", "press 2 3 + 1 9 = ; answer", []),
    ("type 100, click the / button right of the 9, type 4", "press 1 0 0 / 4 = ; answer", []),
    ("calculator: 1 divided by 8, using the 1/x key", "press 8 1/x ; answer", []),  # the 1 of the 1/x key
    # keys named by where they are: "next to the 6" is not a key to press, and not one the plan must press
    ("in galculator enter 12, click the * button next to the 6, enter 7 and press =", "press 1 2 * 7 = ; answer", []),
    ("write 'buy milk' in mousepad and save it as todo.txt", "type buy milk ; save todo.txt", []),
    ("write 'buy milk' in mousepad and save it as todo.txt", "type buy mlik ; save todo.txt",
     ["the task gives no text 'buy mlik'", "no step uses the quoted 'buy milk'"]),
    ("write 'buy milk' in mousepad and save it as todo.txt", "type buy milk ; save todo.md",
     ["the task gives no file name 'todo.md'", "no step uses the file name todo.txt"]),
    # a command is the planner's to write; the file names in it are the user's
    ("in the terminal, list the files into list.txt", "type ls > list.txt ; key enter", []),
    # A choice typed lands in whatever field has the focus; a command writes only files the task names.
    ("in the form, subscribe to the newsletter, choose the Enterprise plan and submit",
     "click [Name] ; type Enterprise ; click Subscribe ; click Submit",
     ["the task says to choose 'Enterprise', and the plan types it"]),
    ("in the form, choose the Enterprise plan and submit", "click Enterprise ; click Submit", []),
    ("in the form, subscribe to the newsletter, choose the Enterprise plan and submit",
     "click [Email] ; type subscribe ; click Enterprise ; click Submit", ["the plan types 'subscribe' into [Email]"]),
    # A form plan uses every value the task gives.
    ("form: Ada Lovelace / ada@engine.example / Paris / newsletter / Pro, submit",
     "click [Name] ; type Ada Lovelace ; click [Email] ; type ada@engine.example ; click [City of residence] ; "
     "type Paris ; click Submit",
     ["the plan leaves out 'Pro'", "the task asks for the newsletter, and the plan ticks nothing for it"]),
    ("Please sign Ada Lovelace up with the form. Her email is ada@engine.example.",
     "click [Email] ; type ada@engine.example ; click Submit", ["the plan leaves out 'Lovelace'"]),
    ("form: Ada Lovelace / Paris / newsletter / Pro, submit",
     "click [Name] ; type Ada Lovelace ; click [City of residence] ; type Paris ; click Pro ; click Subscribe ; "
     "click Submit", []),
    ("form: Grace Hopper, grace@navy.example, submit",
     "click [Name] ; type grace@navy.example ; click [Email] ; type Grace Hopper ; click Submit",
     ["the plan types 'grace@navy.example' into [Name]", "the plan types 'Grace Hopper' into [Email]"]),
    ("in mousepad write two lines, 'buy milk' and 'call mom', and save them as todo.txt",
     "type two lines ; save call mom ; key enter ; type buy milk ; key enter ; save todo.txt",
     ["the plan saves under two names, 'call mom' and 'todo.txt'",
      "the plan saves as 'call mom', not as the file name the task gives"]),
    ("README.md := '# Project' + newline, save", "key ctrl+a ; type # Project ; save",
     ["the task asks for a new line, and the plan starts none"]),
    ("README.md := '# Project' + newline, save", "key ctrl+a ; type # Project ; key enter ; save", []),
    # Function keys need asking for; a written command keeps its operators and loses the app's name.
    # Vague number words ("half", "point") bring only their own digits.
    ("add two and a half to four point seven five", "press 4 5 + 2 1 . 5 = - 4 7 5 = ; answer",
     ["the task gives no digit 1", "the task gives no digit 4", "the task gives no digit 5"]),
    ("add two and a half to four point seven five", "press 2 . 5 + 4 . 7 5 = ; answer", []),
    ("what is a quarter of 80?", "press 8 0 / 4 = ; answer", []),
    ("12*7 xcalc", "press 1 2 * 7 1/x ; answer", ["the task asks for no 1/x key"]),
    ("12*7 xcalc", "press 1 2 * 7 xcalc ; answer", ["no calculator key is labelled 'xcalc'"]),
    ("9-14 xcalc", "press 9 - 1 4 x^2 ; answer", ["the task asks for no x^2 key"]),
    ("calc: 474 to the pwoer of two", "press 4 7 4 x^2 ; answer", []),
    ("use xcalc to compute 1/29", "press 2 9 1/x ; answer", []),
    ("which number, multiplied by itself, gives 144?", "press 1 4 4 sqrt ; answer", []),
    ("xterm: echo finished >> log.txt", "type echo finished > log.txt ; key enter",
     ["the task writes `>>`, and no command has it"]),
    ("xterm: wc -l < notes.txt > count.txt", "type wc -l notes.txt > count.txt ; key enter",
     ["the task writes `<`, and no command has it"]),
    ("xterm: pwd > where.txt", "type xterm: pwd > where.txt ; key enter", ["the plan types 'xterm:' as a command"]),
    ("xterm: pwd > where.txt", "type echo xterm: pwd > where.txt ; key enter",
     ["the plan types the task's address in 'echo xterm: pwd > where.txt'"]),
    ("xterm: pwd > where.txt", "type echo term: pwd > where.txt ; key enter",
     ["the plan types the task's address in 'echo term: pwd > where.txt'"]),
    ("xterm: echo name: Ada > who.txt", "type echo name: Ada > who.txt ; key enter", []),
    ("xterm: pwd > where.txt", "type pwd > where.txt ; key enter", []),
    ("I would like you to type name: Ada into mousepad", "type name: Ada", []),
    ("galculator prefs", "type echo -n galculator > data ; key enter",
     ["the task names no file 'data' for the command to write"]),
    ("save the date into a file called data in the terminal", "type date > data ; key enter", []),
    ("run make quietly in the terminal", "type make > /dev/null ; key enter", []),
    ("in the terminal, list the files into list.txt", "type ls > lists.txt ; key enter",
     ["the task gives no file name 'lists.txt'", "no command uses list.txt"]),
    ("in the terminal, write the path of the current directory into where.txt", "type pwd > txt ; key enter",
     ["no command uses where.txt"]),
    ("echo meeting at 10 into notes.txt in xterm", "type echo meeting at 11 > notes.txt ; key enter",
     ["the task gives no number 11"]),
    ("enter the name Ada Lovelace in the form and submit", "click [Name] ; type Ada Lovelace ; click Submit", []),
    ("enter the name Ada Lovelace in the form and submit", "click [Name] ; type Ada Lovelance ; click Submit",
     ["the task gives no text 'Ada Lovelance'"]),
    ("open galculator's About window", "click Help ; click About", []),  # an apostrophe opens no quote
    ("book a flight to Oslo", "refuse", []),
    # keys enter only numbers the task gives
    ("I spent fourteen euros but only had nine; compute nine minus fourteen to see how far below zero I am",
     "press 1 4 + 9 - 1 0 = ; answer",
     ["the keys enter 10, which the task does not give"]),
    # a key named by its place is not a number to enter; a minus sign of a number's own needs a key
    ("in galculator enter 12, click the * button next to the 6, enter 7 and press =", "press 1 2 * 6 + 7 = ; answer",
     ["the task gives no digit 6"]),
    ("enter 5, the / key right of 8, and 2", "press 5 8 2 = ; answer", ["the task gives no digit 8"]),
    ("multiply -7 by 6 in the calculator", "press 7 * 6 = ; answer", ["the task gives a negative number, and no key makes one"]),
    ("take 37 and then 18 away from 100, using the minus key twice", "press 3 7 - 1 8 = ; answer",
     ["no key enters the given 100"]),
    ("take 37 and then 18 away from 100, using the minus key twice", "press 1 0 0 - 3 7 - 1 8 = ; answer", []),
    ("press the 7 key, then + and the 2 key", "press 7 + 2 = ; answer", []),
    ("press the 6 key, then * and 12", "press 6 * 1 2 = ; answer", []),
    ("-7*6 galculator", "press 7 * 6 = ; answer", ["the task gives a negative number, and no key makes one"]),
    ("-7*6 galculator", "press 7 +/- * 6 = ; answer", []),
    ("20 - 8 in galculator", "press 2 0 - 8 = ; answer", []),
    ("20 -8 in galculator", "press 2 0 - 8 = ; answer", []),
    # file names keep their capitals; a name the task gives is used
    ("type hello world, then save it as hello.txt", "type hello world ; save Hello.txt",
     ["the task gives no file name 'Hello.txt'"]),
    ("in the terminal, run mkdir to make a folder named projects", "type mkdir ; key enter",
     ["no step uses the name 'projects'"]),
    ("in the terminal, run mkdir to make a folder named projects", "type mkdir projects ; key enter", []),
    # the app the task names: a terminal saves no document, an editor runs no shell command
    ("in the terminal write hello into a new file called greeting.txt, using echo", "type hello ; save greeting.txt",
     ["the task is for the terminal, and the plan saves a document"]),
    ("mousepad: save 'draft one' as draft.txt", "type echo draft one > draft.txt ; key enter",
     ["the task is for a text editor, and the plan runs the command 'echo draft one > draft.txt'"]),
    ("mousepad: save 'draft one' as draft.txt", "type draft one ; save draft.txt", []),
    # a new document is saved by the name the task gives it
    ("put the text draft one into a new document and give it the file name draft.txt by saving it",
     "key ctrl+a ; type draft one ; save", ["no step uses the file name draft.txt"]),
    ("put the text draft one into a new document and give it the file name draft.txt by saving it",
     "type draft one ; save draft.txt", []),
    ("add the line 'line two' at the end of log.txt and save it", "key ctrl+end ; type line two ; key enter ; save", []),
    # a looping planner
    ("put Ada Lovelace in the box labelled Name", "click [Name] ; type Ada Lovelace ; click [Name] ; type Ada Lovelace",
     ["the plan types 'Ada Lovelace' twice", "the plan types into [Name] twice"]),
    ("click OK", "click OK ; click OK ; click OK", ["the plan clicks 'OK' twice in a row"]),
    ("put Ada Lovelace in the first text box, the one labelled Name", "click [Name] ; type Ada Lovelace ; click [Name] ; "
     "type Name", ["the plan types into [Name] twice", "the plan types the label 'Name' into its own field"]),
    ("pick the Pro option and send the form", "click Pro ; click Pro ; click Submit", ["the plan clicks 'Pro' twice in a row"]),
    ("click OK three times", "click OK ; click OK ; click OK", []),
    # options that change what a command does are asked for, in words or written out
    ("keep the lines of app.log that mention ERROR in errors.txt", "type grep -c ERROR app.log > errors.txt ; key enter",
     ["the task does not ask for `grep -c`"]),
    ("count the lines of app.log that mention ERROR into n.txt", "type grep -c ERROR app.log > n.txt ; key enter", []),
    ("in a terminal, run grep -c WARN budget.csv > notes.csv", "type grep -c WARN budget.csv > notes.csv ; key enter", []),
    ("sort names.txt into sorted.txt", "type sort -r names.txt > sorted.txt ; key enter",
     ["the task does not ask for `sort -r`"]),
    # "a new line" is one the plan starts
    ("go to the end of log.txt, add a new line that says line two, and save", "key ctrl+end ; type line two ; save",
     ["the task asks for a new line, and the plan starts none"]),
    ("go to the end of log.txt, add a new line that says line two, and save",
     "key ctrl+end ; key enter ; type line two ; save", []),
])
def test_a_plan_copies_only_what_the_instruction_says(instruction, plan, problems):
    assert unsupported(instruction, parse_plan(plan)) == problems


def test_typed_values_are_field_and_document_texts_not_commands():
    from perception.plan_copies import typed_values

    def values(plan: str) -> list[str]:
        return [s.arg for s in typed_values(parse_plan(plan))]

    assert values("type ls > a.txt ; key enter ; type wc -l a.txt ; key enter") == []  # commands
    assert values("type buy milk ; key enter ; type call mom") == ["buy milk", "call mom"]  # two lines
    assert values("type a ; key enter ; save todo.txt") == ["a"]
    assert values("click [Name] ; type Ada ; key enter") == ["Ada"]


def test_every_suite_phrasing_with_its_experts_plan_checks():
    # No false alarm on sentences people wrote: each phrasing of the task suite against the plan its expert implies.
    from agent.evaluation.suite import load_suite
    from agent.modeldev.eval.suite_plans import expected_plan

    checked, alarms = 0, []
    for case in load_suite("builtin").cases(None):
        want = expected_plan(case.task)
        if want is not None:
            checked += 1
            if problems := unsupported(case.instruction, parse_plan(want)):
                alarms.append((case.name, problems))
    assert checked > 200 and alarms == []


class Scripted(PlannerBase):
    """A backbone under control: a greedy text and the alternatives a beam search would give."""

    def __init__(self, greedy: str, beams: list[str]) -> None:
        self.greedy, self.beams, self.asked = greedy, beams, 0

    def write(self, instruction: str) -> str:
        return self.greedy

    def alternatives(self, instruction: str, count: int) -> list[str]:
        self.asked += 1
        return self.beams[:count]


def test_a_plan_that_checks_is_played_and_no_alternatives_are_decoded():
    planner = Scripted("press 1 2 * 7 = ; answer", ["never asked"])
    assert str(planner.plan("compute 12 times 7")) == "press 1 2 * 7 = ; answer" and planner.asked == 0


def test_a_made_up_plan_gives_way_to_the_first_alternative_that_checks():
    planner = Scripted("press 1 2 * 6 = ; answer", ["press 1 2 * 6 = ; answer", "no plan at all",
                                                    "press 1 2 * 7 = ; answer", "press 1 2 + 7 = ; answer"])
    assert str(planner.plan("compute 12 times 7")) == "press 1 2 * 7 = ; answer"


def test_when_no_plan_checks_the_error_names_what_the_plan_made_up():
    planner = Scripted("press 1 2 * 6 = ; answer", ["press 1 2 * 6 = ; answer", "press 1 2 * 9 = ; answer"])
    with pytest.raises(PlanMismatchError) as e:
        planner.plan("compute 12 times 7")
    assert str(e.value) == ("I read the task as `press 1 2 * 6 = ; answer`, which does not fit it: the task gives no "
                            "digit 6; no key enters the given 7")
    with pytest.raises(PlanMismatchError):  # cached: asked once
        planner.plan("compute 12 times 7")
    assert planner.asked == 1
