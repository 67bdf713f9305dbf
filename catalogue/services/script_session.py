"""The session commands of a script that answer from what regcat knows about itself, not
from data: help (the command registry's usage lines, and whether each command runs here),
help-function (the expression language's functions), and the texts they show. Nothing
here reads a workspace, so nothing here passes output control: there is nothing to
control."""

from __future__ import annotations

import difflib

from catalogue.analysis.expressions.functions import FUNCTIONS
from catalogue.domain.errors import RegcatError
from catalogue.domain.text import localise
from catalogue.script import COMMANDS
from catalogue.script.errors import script_error
from catalogue.script.nodes import Session
from catalogue.script.registry import families

_RUNS = ("kjøres", "runs")
_NOT_YET = ("ikke ennå", "not yet")


def help_text(command: Session, runnable: set[str], language: str) -> str:
    """`help`: every family and its commands (those that run marked); `help <command>`: its
    form and whether it runs."""
    if not command.arguments:
        lines = [
            localise(("Kommandoer (* kjøres i regcat):", "Commands (* runs in regcat):"), language)
        ]
        for family, names in families().items():
            listed = " ".join(f"{name}*" if name in runnable else name for name in names)
            lines.append(f"{family}: {listed}")
        return "\n".join(lines)
    topic = command.arguments[0]
    spec = COMMANDS.get(topic)
    if spec is None:
        raise _unknown(command, topic, list(COMMANDS), "script-unknown-command")
    runs = localise(_RUNS if topic in runnable else _NOT_YET, language)
    return f"{spec.usage}\n({spec.family}; {localise(('i regcat', 'in regcat'), language)}: {runs})"


def function_help_text(command: Session, language: str) -> str:
    if not command.arguments:
        heading = localise(("Funksjoner i uttrykk:", "Functions in expressions:"), language)
        return f"{heading} {', '.join(sorted(FUNCTIONS))}"
    topic = command.arguments[0]
    found = FUNCTIONS.get(topic.lower())
    if found is None:
        raise _unknown(command, topic, list(FUNCTIONS), "script-arguments")
    return f"{localise(found.usage, language)} ({localise(found.arity_text, language)})"


def _unknown(command: Session, topic: str, known: list[str], code: str) -> RegcatError:
    close = difflib.get_close_matches(topic, known, n=3)
    hint = ", ".join(close) or "—"
    if code == "script-unknown-command":
        return script_error(
            "script-unknown-command",
            command.at,
            (f"Ukjent kommando «{topic}»", f"Unknown command '{topic}'"),
            (f"Nærmeste: {hint}; «help» viser alle", f"Closest: {hint}; 'help' lists them all"),
            command=topic,
        )
    return script_error(
        "script-arguments",
        command.at,
        (f"Ukjent funksjon «{topic}»", f"Unknown function '{topic}'"),
        (
            f"Nærmeste: {hint}; «help-function» viser alle",
            f"Closest: {hint}; 'help-function' lists them all",
        ),
        command=command.command,
    )
