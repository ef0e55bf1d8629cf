"""Commands declared on their handlers, as sqlite-utils does with click, on argparse:

    cli = Commands()
    cli.group("note", "notes: add, list, ...")

    @cli.command("note list", help="a patient's notes", json=True)
    @arg("--nhs", required=True, type=nhs_number)
    @with_caseload
    def note_list(args, caseload): ...

A module's `register = cli.register` then adds its parsers when (and only when) `mhf`
builds the parser for one of its commands (see `COMMANDS` in `cli/main.py`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mhf_tui.cli.common import add_json_option, command_group

Handler = Callable[[argparse.Namespace], int]
F = TypeVar("F", bound=Callable[..., int])

#: options declared by @arg on a handler, waiting for its @command
_PENDING: dict[Callable[..., int], list[Arg]] = {}


@dataclass(frozen=True)
class Arg:
    """One `add_argument` call, kept until the parser is built."""

    flags: tuple[str, ...]
    kwargs: dict[str, Any]

    def __call__(self, func: F) -> F:
        _PENDING.setdefault(func, []).insert(0, self)  # decorators apply bottom-up
        return func


def arg(*flags: str, **kwargs: Any) -> Arg:
    """An option or positional of the command below it (argparse's own keywords)."""
    return Arg(flags, kwargs)


def args(*items: Arg) -> Callable[[F], F]:
    """Several options at once: a set shared by more than one command."""

    def decorate(func: F) -> F:
        for item in reversed(items):
            item(func)
        return func

    return decorate


@dataclass
class Command:
    words: tuple[str, ...]
    func: Handler
    help: str
    description: str | None
    options: list[Arg]
    secret: bool
    json: bool


@dataclass
class Commands:
    """One module's commands and the help lines of the groups they belong to."""

    groups: dict[str, str] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)

    def group(self, name: str, help_text: str) -> None:
        """`name` is a group's words: "careplan", or "careplan goal" inside it."""
        self.groups[name] = help_text

    def command(
        self,
        words: str,
        *,
        help: str,
        description: str | None = None,
        secret: bool = True,
        json: bool = False,
    ) -> Callable[[F], F]:
        """`words` is `"group sub"` or a top-level `"name"`; `secret` adds
        --passphrase-stdin, `json` adds --json."""

        def decorate(func: F) -> F:
            options = _PENDING.pop(func, [])
            path = tuple(words.split())
            self.commands.append(Command(path, func, help, description, options, secret, json))
            return func

        return decorate

    def register(
        self, sub: Any, common: argparse.ArgumentParser, secret: argparse.ArgumentParser
    ) -> None:
        for command in self.commands:
            parents = [common, secret] if command.secret else [common]
            *group, name = command.words
            where = sub
            for depth, word in enumerate(group):  # "careplan goal add": two groups deep
                where = command_group(
                    where, word, self.groups[" ".join(group[: depth + 1])], common
                )
            parser = where.add_parser(
                name, parents=parents, help=command.help, description=command.description
            )
            for option in command.options:
                parser.add_argument(*option.flags, **option.kwargs)
            if command.json:
                add_json_option(parser)
            parser.set_defaults(func=command.func)
