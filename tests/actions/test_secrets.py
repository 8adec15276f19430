"""Secrets: placeholders substituted by the executor alone, at the last moment; values never shown."""

from __future__ import annotations

import pytest

from actions import Executor, Hotkey, InvalidActionError, SecretError, Secrets, Type, dump_action
from actions.secrets import placeholder, placeholder_names
from probes import wait_for_file

VALUE = "hunter2-S3CRET-7781"


def test_substitute_replaces_known_placeholders_however_spaced():
    s = Secrets({"PW": VALUE, "USER": "ada.l"})
    assert s.substitute("{{ USER }}\t{{PW}}\n{{  PW  }}") == f"ada.l\t{VALUE}\n{VALUE}"
    assert s.substitute("{{ OTHER }} and { PW }") == "{{ OTHER }} and { PW }"  # unknown or not a placeholder: as typed
    assert placeholder_names("a {{PW}} b {{ X_1 }}") == ["PW", "X_1"]
    assert s.unknown_names("{{ PW }} {{ PWD }}") == ["PWD"]


def test_mask_puts_placeholders_back_longest_value_first():
    s = Secrets({"SHORT": "abc", "LONG": "abcdef"})
    assert s.mask("x abcdef y abc z") == "x {{ LONG }} y {{ SHORT }} z"
    assert s.mask(s.substitute("{{ LONG }}")) == placeholder("LONG")


def test_no_value_in_repr_or_in_errors():
    s = Secrets({"PW": VALUE})
    assert VALUE not in repr(s) and repr(s) == "Secrets(PW=***)"
    for bad in ({"1PW": VALUE}, {"P W": VALUE}, {"PW": "ab"}, {"PW": ""}, {"PW": "x{{ Y }}" + VALUE}):
        with pytest.raises(SecretError) as info:
            Secrets(bad)
        assert VALUE not in str(info.value) and "ab'" not in str(info.value)
    with pytest.raises(SecretError, match="given twice"):
        Secrets([("PW", VALUE), ("PW", VALUE + "x")])
    assert isinstance(SecretError("x"), ValueError)


@pytest.mark.display
def test_the_executor_types_the_value_and_the_action_keeps_the_placeholder(sandbox):
    out = sandbox.workdir / "typed.txt"
    sandbox.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
    action = Type(text="pw: {{ PW }}\n")
    with Executor(sandbox.display, secrets=Secrets({"PW": VALUE})) as ex:
        ex.execute(action)
        ex.execute(Hotkey(keys=("ctrl", "d")))
    assert wait_for_file(out, predicate=lambda t: t.endswith("\n")) == f"pw: {VALUE}\n"
    assert dump_action(action) == {"kind": "type", "text": "pw: {{ PW }}\n"}  # what gets recorded


@pytest.mark.display
def test_a_placeholder_naming_no_secret_is_refused_before_anything_is_typed(sandbox):
    out = sandbox.workdir / "typed.txt"
    sandbox.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
    with Executor(sandbox.display, secrets=Secrets({"PW": VALUE})) as ex:
        with pytest.raises(InvalidActionError) as info:
            ex.execute(Type(text="oops {{ PWD }}\n"))
        assert "'PWD'" in str(info.value) and "{{ PW }}" in str(info.value) and VALUE not in str(info.value)
        ex.execute(Type(text="after\n"))
        ex.execute(Hotkey(keys=("ctrl", "d")))
    assert wait_for_file(out, predicate=lambda t: t.endswith("\n")) == "after\n"  # nothing of the refused action
