"""Commands declared on their handlers, as sqlite-utils does with click, on argparse:

    cli = Commands()
    cli.group("note", "notes: add, list, ...")

    @cli.command("note list", help="a patient's notes", json=True)
    @arg("--nhs", required=True, type=nhs_number)
    @with_caseload
    def note_list(args, caseload): ...

`one_of(arg(...), arg(...))` declares options that exclude each other; a command named
under another command (`"backup prune"` under `"backup"`) is that command's optional
sub-command. A module's `register = cli.register` then adds its parsers when (and only
when) `mhf` builds the parser for one of its commands (see `COMMANDS` in `cli/main.py`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mhf_tui.cli.common import add_json_option, command_group

Handler = Callable[[argparse.Namespace], int]
F = TypeVar("F", bound=Callable[..., int])

#: options declared by @arg on a handler, waiting for its @command
_PENDING: dict[Callable[..., int], list[Option]] = {}


class Option:
    """Something a handler's parser is given, kept until the parser is built."""

    def __call__(self, func: F) -> F:
        _PENDING.setdefault(func, []).insert(0, self)  # decorators apply bottom-up
        return func

    def add_to(self, parser: Any) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Arg(Option):
    """One `add_argument` call."""

    flags: tuple[str, ...]
    kwargs: dict[str, Any]

    def add_to(self, parser: Any) -> None:
        parser.add_argument(*self.flags, **self.kwargs)


@dataclass(frozen=True)
class OneOf(Option):
    """Options of which only one may be given (and one must be, if `required`)."""

    items: tuple[Arg, ...]
    required: bool

    def add_to(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=self.required)
        for item in self.items:
            item.add_to(group)


def arg(*flags: str, **kwargs: Any) -> Arg:
    """An option or positional of the command below it (argparse's own keywords)."""
    return Arg(flags, kwargs)


def one_of(*items: Arg, required: bool = False) -> OneOf:
    """Mutually exclusive options, such as `--practice ODS` or `--all`."""
    return OneOf(items, required)


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
    options: list[Option]
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
        built: dict[tuple[str, ...], argparse.ArgumentParser] = {}
        below: dict[tuple[str, ...], Any] = {}  # sub-commands of a command, once it has any
        for command in self.commands:
            parents = [common, secret] if command.secret else [common]
            *group, name = command.words
            where = self._place(sub, tuple(group), common, built, below)
            parser = where.add_parser(
                name, parents=parents, help=command.help, description=command.description
            )
            for option in command.options:
                option.add_to(parser)
            if command.json:
                add_json_option(parser)
            parser.set_defaults(func=command.func)
            built[command.words] = parser

    def _place(
        self,
        sub: Any,
        group: tuple[str, ...],
        common: argparse.ArgumentParser,
        built: dict[tuple[str, ...], argparse.ArgumentParser],
        below: dict[tuple[str, ...], Any],
    ) -> Any:
        """The sub-command action a command is added to: its group's (`careplan goal add`
        is two groups deep), or that of a command it acts under (`backup prune`)."""
        if group in built:
            if group not in below:
                names = [c.words[-1] for c in self.commands if c.words[:-1] == group]
                below[group] = built[group].add_subparsers(
                    dest=f"{group[-1]}_command", metavar=f"[{'|'.join(names)}]"
                )
            return below[group]
        where = sub
        for depth, word in enumerate(group):
            where = command_group(where, word, self.groups[" ".join(group[: depth + 1])], common)
        return where
