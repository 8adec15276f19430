"""Word lists for generated task instructions (agent.modeldev.datagen.instructions): how people name operators,
numbers, files, texts, menus and things apps cannot do.

Some words are held out: they appear only in the held-out split, so the planner's held-out score says whether it
understood a word it never saw in training (a pretrained language model may; a model trained from scratch cannot).
"""

from __future__ import annotations

# Operator words, by calculator key. "{a}" and "{b}" are the operands. The last entry of each list is held out.
OPERATOR_PHRASES: dict[str, tuple[str, ...]] = {
    "+": ("{a} + {b}", "{a} plus {b}", "add {a} and {b}", "the sum of {a} and {b}", "{a} and {b} added together",
          "{a}+{b}", "add {b} to {a}", "{a} increased by {b}", "{b} added to {a}"),
    "-": ("{a} - {b}", "{a} minus {b}", "subtract {b} from {a}", "{a}-{b}", "the difference {a} minus {b}",
          "{a} take away {b}", "{a} decreased by {b}", "take {b} away from {a}", "{a} less {b}"),
    "*": ("{a} * {b}", "{a} times {b}", "{a} x {b}", "multiply {a} by {b}", "the product of {a} and {b}",
          "{a}*{b}", "{a} × {b}", "{a} multiplied by {b}"),
    "/": ("{a} / {b}", "{a} divided by {b}", "divide {a} by {b}", "{a}/{b}", "{a} ÷ {b}",
          "the quotient of {a} and {b}", "split {a} into {b} equal parts", "{a} over {b}"),
}
UNARY_PHRASES: dict[str, tuple[str, ...]] = {
    "sqrt": ("the square root of {a}", "sqrt({a})", "sqrt {a}", "the root of {a}", "√{a}"),
    "x^2": ("{a} squared", "the square of {a}", "{a}^2", "{a} to the power of two"),
    "1/x": ("the reciprocal of {a}", "1/{a}", "one over {a}", "the inverse of {a}"),
    "+/-": ("negative {a}", "minus {a} as a negative number", "the negation of {a}", "{a} with its sign changed"),
}
HELDOUT_PHRASE_INDEX = -1  # the last phrase of every list above is held out

ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """An integer 0..999 in English words ("twenty-three", "one hundred and five")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")
    rest = n % 100
    return ONES[n // 100] + " hundred" + (" and " + number_words(rest) if rest else "")


CALC_APPS = ("the calculator", "xcalc", "galculator", "the calculator app", "calc")
TERMINAL_APPS = ("the terminal", "xterm", "the shell", "a terminal", "the command line")
EDITOR_APPS = ("the editor", "mousepad", "the text editor", "the notepad")

FILE_STEMS = ("notes", "todo", "log", "report", "draft", "final", "names", "sizes", "data", "backup", "config",
              "readme", "list", "poem", "summary", "plan", "ideas", "errors", "output", "result", "letter", "budget",
              "diary", "tasks", "words", "numbers", "scores", "items", "greeting", "status", "count", "copy")
FILE_EXTS = (".txt", ".txt", ".txt", ".log", ".md", ".csv", "")
DIR_NAMES = ("projects", "photos", "music", "src", "build", "docs", "archive", "tmp", "work", "data", "old", "app",
             "tests", "lib", "notes", "backup", "images", "reports")
TEXTS = ("hello", "hello world", "buy milk", "call mom", "meeting at 10", "see you on friday", "finished", "ready",
         "done", "quarterly report", "draft one", "milk, eggs, bread", "remember the keys", "all good", "version 2",
         "debug=true", "# Project", "thank you", "good morning", "lunch at noon", "pay rent", "water the plants",
         "fix the bike", "book flights", "send the invoice", "review notes", "first line", "line two", "OK",
         "deadline is monday", "apples", "bananas", "cherries", "tea and biscuits", "max=10", "name: Ada")
PATTERNS = ("ERROR", "INFO", "WARN", "error", "TODO", "fail", "ok", "main", "user", "x")
PEOPLE = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Linus Pauling", "Marie Curie",
          "Ann Lee", "Bob Stone", "Chen Wei", "Dana Smith", "Emil Novak", "Fatima Khan", "Goran Ilic", "Hana Sato")
CITIES = ("Lisbon", "Manchester", "Hampton", "Oslo", "Porto", "Lyon", "Kyoto", "Austin", "Graz", "Turku", "Leeds")
DOMAINS = ("example.com", "mail.example", "work.example", "uni.example")

# Menus of desktop apps: menu -> its items (all of them clickable by their visible text).
MENUS: dict[str, tuple[str, ...]] = {
    "File": ("New", "New Window", "Open...", "Open Recent", "Save", "Save As...", "Print...", "Close", "Quit",
             "Reload", "Export"),
    "Edit": ("Undo", "Redo", "Cut", "Copy", "Paste", "Select All", "Preferences...", "Find", "Delete"),
    "View": ("Statusbar", "Toolbar", "Fullscreen", "Zoom In", "Zoom Out", "Paper Mode", "Scientific Mode",
             "Basic Mode", "Show menu bar", "Line Numbers", "Word Wrap"),
    "Search": ("Find...", "Find and Replace...", "Find Next", "Go to Line..."),
    "Document": ("Tab Size", "Line Ending", "Filetype", "Spell Check"),
    "Help": ("About", "Contents", "Keyboard Shortcuts", "Report a Bug"),
    "Calculator": ("Clear", "Memory", "Constants", "Functions"),
}
BUTTON_LABELS = ("OK", "Cancel", "Apply", "Close", "Save", "Open", "Submit", "Search", "Next", "Back", "Help",
                 "Delete", "Add", "Remove", "Edit", "Refresh", "Send", "Reply", "Yes", "No", "Continue", "Sign in",
                 "Log out", "Settings", "Download", "Upload", "Print", "Share", "Copy", "Paste", "Find", "Replace")
FIELD_LABELS = ("Name", "Email", "City of residence", "Password", "Username", "Search", "Phone", "Address",
                "Find", "Replace with", "File name", "Title", "Comment", "Age", "Country")
CHECK_LABELS = ("Subscribe", "Remember me", "Match case", "Whole words only", "Show hidden files", "Wrap around",
                "Pro", "Basic", "Enterprise", "I agree")

# Things the apps cannot do (the planner answers `refuse`): (app words, the impossible request).
IMPOSSIBLE: tuple[tuple[str, str], ...] = (
    ("the calculator", "plot a graph of {f}"), ("xcalc", "draw the graph of {f}"),
    ("the calculator", "open the network settings tab"), ("the calculator", "convert 5 dollars to euros online"),
    ("the calculator", "email the result to my boss"), ("the calculator", "show the weather forecast"),
    ("the form", "switch the form to {lang}"), ("the form", "print the form"), ("the form", "upload a photo"),
    ("the form", "attach my CV as a PDF"), ("the form", "translate the form into {lang}"),
    ("xterm", "open a new tab"), ("the terminal", "split the window into two panes"),
    ("the terminal", "play a song"), ("the editor", "video call my team"), ("the editor", "order a pizza"),
    ("galculator", "take a photo with the webcam"), ("mousepad", "book a flight to {city}"),
)
FUNCTIONS = ("sin x", "y = x^2", "cos(x)", "the sine curve", "x cubed")
LANGUAGES = ("French", "German", "Spanish", "Japanese", "Portuguese", "Italian")

# Menu commands asked for by what they do, not where they are: (ways to ask, menu, item).
MENU_FUNCTIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("open the preferences", "show the settings dialog", "change the preferences of {app}"), "Edit", "Preferences..."),
    (("show the About dialog of {app}", "which version of {app} is this? open its about box"), "Help", "About"),
    (("switch {app} to scientific mode", "use the scientific layout"), "View", "Scientific Mode"),
    (("switch {app} to paper mode", "show the paper tape"), "View", "Paper Mode"),
    (("switch back to the basic mode",), "View", "Basic Mode"),
    (("hide the menu bar of {app}", "show or hide the menu bar"), "View", "Show menu bar"),
    (("show the status bar", "turn the statusbar on or off in {app}"), "View", "Statusbar"),
    (("show the toolbar", "hide the toolbar of {app}"), "View", "Toolbar"),
    (("open a new window of {app}", "I want a second {app} window"), "File", "New Window"),
    (("open the find and replace dialog", "search and replace text in {app}"), "Search", "Find and Replace..."),
    (("go to a line number", "jump to a given line"), "Search", "Go to Line..."),
    (("print the document", "send this to the printer"), "File", "Print..."),
    (("undo the last change", "take back my last edit"), "Edit", "Undo"),
    (("make the text bigger", "zoom in"), "View", "Zoom In"),
    (("show line numbers", "number the lines in {app}"), "View", "Line Numbers"),
    (("turn on word wrap", "wrap long lines"), "View", "Word Wrap"),
    (("quit {app}", "close the application completely"), "File", "Quit"),
    (("list the keyboard shortcuts", "show the shortcuts of {app}"), "Help", "Keyboard Shortcuts"),
    (("open a file I used recently",), "File", "Open Recent"),
)
MENU_APPS = ("galculator", "mousepad", "the editor", "the calculator", "the app")

# How people wrap a request in more words (generator v3; training split only). "{w}" is the request, "{app}" the
# app it is for.
WORDY_FRAMES = ("Please {w}", "Could you {w}?", "Could you please {w}?", "I would like you to {w}", "I'd like to {w}",
                "Hi, please {w}", "{w}, please", "{w}. Thanks!", "Please go to the {app} window and {w}",
                "Please use the {app} to {w}", "Can you {w} for me?", "I need you to {w}, thanks")
FAMILY_APPS = {"calc": ("calculator", "xcalc", "galculator"), "terminal": ("terminal", "xterm", "shell"),
               "editor": ("editor", "mousepad", "text editor"), "menu": ("galculator", "mousepad", "editor"),
               "click": ("form", "dialog"), "form": ("form", "signup form")}
# Verbs a request starts with when it can take a wordy frame ("compute 3 + 4", not "3 + 4" or "the OK button").
REQUEST_VERBS = frozenset(
    "add append calculate compute work find type write put create make save use open click press hit choose select "
    "sort count copy rename move delete remove enter fill tick focus show hide switch go turn undo print quit list "
    "keep run execute take subtract multiply divide replace change overwrite back key sign zoom number wrap jump "
    "send".split())
