"""The session commands: help, help-function, variables, history and clear."""

from __future__ import annotations

from ..arguments import Arguments
from ..line import Word
from ..nodes import Session
from ..registry import register


def _words(args: Arguments, most: int | None) -> tuple[str, ...]:
    words: list[str] = []
    while not args.done():
        if args.peek(1) is not None and args.is_op("/", 1):
            words.append(str(args.variable()))
            continue
        item = args.take()
        if not isinstance(item, Word) or item.kind == "OP":
            args.fail(
                ("Her skal det stå et navn", "A name should stand here"), args.position(item.start)
            )
        words.append(item.text)
    if most is not None and len(words) > most:
        args.fail(
            (f"Kommandoen tar høyst {most} argument", f"The command takes at most {most} argument")
        )
    return tuple(words)


@register("session", ("help", "help-function"), "{name} [<navn/name>]")
def help_command(args: Arguments) -> Session:
    return Session(**args.common(), arguments=_words(args, 1))


@register("session", "variables", "variables [<alias>/<VARIABEL> …]")
def variables(args: Arguments) -> Session:
    return Session(**args.common(), arguments=_words(args, None))


@register("session", ("history", "clear"), "{name}")
def nothing(args: Arguments) -> Session:
    args.end()
    return Session(**args.common())
