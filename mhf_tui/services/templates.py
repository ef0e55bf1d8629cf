"""Review templates: checklists as data files, validated when loaded.

Templates ship as TOML in `mhf_tui/review_templates/`; a user (or a locality) can add their
own `.toml` or `.json` files in the data dir's `templates/` folder. A user template with the
same id as a shipped one replaces it, so a service can adapt a checklist without a new
release. Everything is checked at load time, field by field, and unknown keys are refused:
a typo in a template would otherwise silently drop a required item from every review.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from mhf_tui.errors import ValidationError

ITEM_TYPES = ("number", "choice", "yes_no", "text", "date")
APPLIES_TO = ("smi_register", "care_plan", "active")
SHIPPED_DIR = "review_templates"  # inside the mhf_tui package
TEXT_MAX = 2000
#: how shipped templates are listed (most used first)
SHIPPED_ORDER = ("smi_physical_health_check", "medication_monitoring", "care_plan_review")
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SNOMED = re.compile(r"[1-9][0-9]{5,17}")


class TemplateError(ValidationError):
    """A template file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    snomed: str = ""


@dataclass(frozen=True)
class TemplateItem:
    id: str
    label: str
    type: str
    required: bool = False
    unit: str = ""
    min: float | None = None
    max: float | None = None
    integer: bool = False
    choices: tuple[Choice, ...] = ()
    snomed: str = ""
    help: str = ""
    #: QOF check this item counts towards (see `ReviewTemplate.checks`)
    check: str = ""
    #: how long a recorded value counts as "done" for QOF-style reporting
    qof_window_months: int | None = None
    #: a longer window for patients without raised cardiovascular risk (cholesterol: 24)
    qof_window_months_not_raised_cv_risk: int | None = None

    def window_months(self, *, raised_cv_risk: bool) -> int | None:
        if not raised_cv_risk and self.qof_window_months_not_raised_cv_risk is not None:
            return self.qof_window_months_not_raised_cv_risk
        return self.qof_window_months

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class QofCheck:
    id: str
    label: str
    indicator: str = ""


@dataclass(frozen=True)
class ReviewTemplate:
    id: str
    title: str
    version: str
    recurrence_months: int
    source: str
    items: tuple[TemplateItem, ...]
    applies_to: tuple[str, ...] = ("smi_register",)
    checks: tuple[QofCheck, ...] = ()
    description: str = ""
    origin: str = "shipped"

    def item(self, item_id: str) -> TemplateItem:
        for item in self.items:
            if item.id == item_id:
                return item
        known = ", ".join(i.id for i in self.items)
        raise ValidationError(f"template {self.id} has no item {item_id!r} (items: {known})")

    @property
    def required_items(self) -> tuple[TemplateItem, ...]:
        return tuple(i for i in self.items if i.required)


@dataclass
class TemplateSet:
    """The templates in use, by id, in a stable order (shipped first, then the user's)."""

    templates: dict[str, ReviewTemplate] = field(default_factory=dict)

    def get(self, template_id: str) -> ReviewTemplate:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(self.templates) or "none"
            raise ValidationError(
                f"no review template {template_id!r} (available: {known})"
            ) from None

    def __iter__(self) -> Any:
        return iter(self.templates.values())

    def __len__(self) -> int:
        return len(self.templates)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self.templates


# --- parsing ---------------------------------------------------------------------------


class _Fields:
    """Reads one table of a template, naming the file and field in every error."""

    def __init__(self, raw: Any, where: str, allowed: Iterable[str]) -> None:
        if not isinstance(raw, Mapping):
            raise TemplateError(f"{where}: expected a table of fields")
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise TemplateError(f"{where}: unknown field(s) {', '.join(unknown)}")
        self.raw = raw
        self.where = where

    def _fail(self, name: str, expected: str) -> TemplateError:
        return TemplateError(f"{self.where}: {name!r} must be {expected}")

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        if name not in self.raw:
            if required:
                raise TemplateError(f"{self.where}: missing {name!r}")
            return default
        value = self.raw[name]
        if not isinstance(value, str) or (required and not value.strip()):
            raise self._fail(name, "a non-empty string" if required else "a string")
        return value.strip()

    def ident(self, name: str) -> str:
        value = self.text(name, required=True)
        if not _ID.fullmatch(value):
            raise self._fail(name, "lower case letters, digits and _ (starting with a letter)")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def number(self, name: str) -> float | None:
        if name not in self.raw:
            return None
        value = self.raw[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self._fail(name, "a number")
        return float(value)

    def months(self, name: str, *, required: bool = False) -> int | None:
        if name not in self.raw:
            if required:
                raise TemplateError(f"{self.where}: missing {name!r}")
            return None
        value = self.raw[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            raise self._fail(name, "a whole number of months from 1 to 120")
        return value

    def snomed(self, name: str) -> str:
        value = self.raw.get(name, "")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (value and not _SNOMED.fullmatch(value)):
            raise self._fail(name, "a SNOMED CT concept id (6 to 18 digits)")
        return value

    def table_list(self, name: str) -> list[Any]:
        value = self.raw.get(name, [])
        if not isinstance(value, list):
            raise self._fail(name, "a list of tables")
        return value


_ITEM_FIELDS = {
    "id", "label", "type", "required", "unit", "min", "max", "integer", "choices", "snomed",
    "help", "check", "qof_window_months", "qof_window_months_not_raised_cv_risk",
}  # fmt: skip
_TEMPLATE_FIELDS = {
    "id", "title", "version", "recurrence_months", "source", "items", "applies_to", "checks",
    "description",
}  # fmt: skip


def _parse_choice(raw: Any, where: str) -> Choice:
    f = _Fields(raw, where, {"id", "label", "snomed"})
    return Choice(id=f.ident("id"), label=f.text("label", required=True), snomed=f.snomed("snomed"))


def _parse_item(raw: Any, where: str, check_ids: set[str]) -> TemplateItem:
    f = _Fields(raw, where, _ITEM_FIELDS)
    item_id = f.ident("id")
    where = f"{where} ({item_id})"
    f.where = where
    kind = f.text("type", required=True)
    if kind not in ITEM_TYPES:
        raise TemplateError(f"{where}: 'type' must be one of {', '.join(ITEM_TYPES)}")
    low, high = f.number("min"), f.number("max")
    if kind != "number" and (low is not None or high is not None or "unit" in f.raw):
        raise TemplateError(f"{where}: 'min', 'max' and 'unit' only apply to number items")
    if low is not None and high is not None and low > high:
        raise TemplateError(f"{where}: 'min' ({low:g}) is above 'max' ({high:g})")
    choices = tuple(
        _parse_choice(c, f"{where} choices[{n}]") for n, c in enumerate(f.table_list("choices"))
    )
    if kind == "choice" and len(choices) < 2:
        raise TemplateError(f"{where}: a choice item needs at least two 'choices'")
    if kind != "choice" and choices:
        raise TemplateError(f"{where}: 'choices' only apply to choice items")
    if len({c.id for c in choices}) != len(choices):
        raise TemplateError(f"{where}: choice ids must be unique")
    check = f.text("check")
    if check and check not in check_ids:
        raise TemplateError(f"{where}: 'check' {check!r} is not one of the template's checks")
    window = f.months("qof_window_months")
    longer = f.months("qof_window_months_not_raised_cv_risk")
    if longer is not None and window is None:
        raise TemplateError(
            f"{where}: 'qof_window_months_not_raised_cv_risk' needs 'qof_window_months'"
        )
    return TemplateItem(
        id=item_id,
        label=f.text("label", required=True),
        type=kind,
        required=f.flag("required"),
        unit=f.text("unit"),
        min=low,
        max=high,
        integer=f.flag("integer"),
        choices=choices,
        snomed=f.snomed("snomed"),
        help=f.text("help"),
        check=check,
        qof_window_months=window,
        qof_window_months_not_raised_cv_risk=longer,
    )


def parse_template(raw: Any, *, source_name: str, origin: str = "shipped") -> ReviewTemplate:
    """Build a template from parsed TOML/JSON, or raise `TemplateError` naming the problem."""
    where = f"review template {source_name}"
    f = _Fields(raw, where, _TEMPLATE_FIELDS)
    template_id = f.ident("id")
    version = raw.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        raise TemplateError(f"{where}: missing 'version'")
    applies = raw.get("applies_to", ["smi_register"])
    if not isinstance(applies, list) or not applies or any(a not in APPLIES_TO for a in applies):
        raise TemplateError(
            f"{where}: 'applies_to' must be a list drawn from {', '.join(APPLIES_TO)}"
        )
    checks = tuple(
        QofCheck(
            id=c.ident("id"), label=c.text("label", required=True), indicator=c.text("indicator")
        )
        for c in (
            _Fields(raw_check, f"{where} checks[{n}]", {"id", "label", "indicator"})
            for n, raw_check in enumerate(f.table_list("checks"))
        )
    )
    check_ids = {c.id for c in checks}
    if len(check_ids) != len(checks):
        raise TemplateError(f"{where}: check ids must be unique")
    raw_items = f.table_list("items")
    if not raw_items:
        raise TemplateError(f"{where}: needs at least one entry in 'items'")
    items = tuple(
        _parse_item(item, f"{where} items[{n}]", check_ids) for n, item in enumerate(raw_items)
    )
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise TemplateError(f"{where}: item id {item.id!r} is used twice")
        seen.add(item.id)
    for check in checks:
        if not any(i.check == check.id for i in items):
            raise TemplateError(f"{where}: check {check.id!r} has no item")
    return ReviewTemplate(
        id=template_id,
        title=f.text("title", required=True),
        version=version.strip(),
        recurrence_months=f.months("recurrence_months", required=True) or 12,
        source=f.text("source", required=True),
        items=items,
        applies_to=tuple(applies),
        checks=checks,
        description=f.text("description"),
        origin=origin,
    )


def parse_template_text(text: str, *, source_name: str, origin: str = "shipped") -> ReviewTemplate:
    try:
        if source_name.endswith(".json"):
            raw = json.loads(text)
        else:
            raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"review template {source_name} is not valid: {exc}") from None
    return parse_template(raw, source_name=source_name, origin=origin)


def _shipped() -> list[tuple[str, str]]:
    folder = resources.files("mhf_tui").joinpath(SHIPPED_DIR)
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def load_templates(user_dir: Path | None = None) -> TemplateSet:
    """The shipped templates plus any in `user_dir` (`*.toml`, `*.json`)."""
    result = TemplateSet()
    for name, text in _shipped():
        template = parse_template_text(text, source_name=name)
        if template.id in result:
            raise TemplateError(f"review template {name}: id {template.id!r} is used twice")
        result.templates[template.id] = template
    order = {template_id: n for n, template_id in enumerate(SHIPPED_ORDER)}
    result.templates = dict(
        sorted(result.templates.items(), key=lambda kv: order.get(kv[0], len(order)))
    )
    if user_dir is not None and user_dir.is_dir():
        user_ids: set[str] = set()
        for path in sorted(user_dir.iterdir()):
            if path.suffix not in (".toml", ".json") or path.name.startswith("."):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(f"review template {path} cannot be read: {exc}") from None
            template = parse_template_text(text, source_name=str(path), origin="user")
            if template.id in user_ids:
                raise TemplateError(f"review template {path}: id {template.id!r} is used twice")
            user_ids.add(template.id)
            result.templates[template.id] = template
    return result


# --- answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    """An answer checked against its item: what to store."""

    value: str
    number: float | None = None
    unit: str = ""
    code: str = ""


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
_NUMBER = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*")


def _unit_key(unit: str) -> str:
    return re.sub(r"[\s²]", lambda m: "2" if m.group() == "²" else "", unit).lower()


def clean_answer(item: TemplateItem, raw: str, *, today: date | None = None) -> CleanAnswer:
    """Validate a typed answer against its item. Raises `ValidationError` saying what fits.

    Numbers may carry the item's unit ("128 mmHg") but not another one. A choice may be
    given by its id, its label or its 1-based position.
    """
    text = raw.strip()
    if not text:
        raise ValidationError(f"{item.label}: no value given")
    if item.type == "number":
        match = _NUMBER.fullmatch(text)
        if not match:
            raise ValidationError(f"{item.label}: {text!r} is not a number")
        number = float(match.group(1))
        unit = match.group(2)
        if unit and _unit_key(unit) != _unit_key(item.unit):
            expected = item.unit or "no unit"
            raise ValidationError(f"{item.label}: expected {expected}, got {unit!r}")
        if item.integer and not number.is_integer():
            raise ValidationError(f"{item.label}: a whole number is expected")
        if (item.min is not None and number < item.min) or (
            item.max is not None and number > item.max
        ):
            raise ValidationError(f"{item.label}: {number:g} is outside {_range_text(item)}")
        value = str(int(number)) if number.is_integer() else f"{number:g}"
        return CleanAnswer(value=value, number=number, unit=item.unit, code=item.snomed)
    if item.type == "choice":
        lowered = text.lower()
        for position, choice in enumerate(item.choices, start=1):
            if lowered in (choice.id, choice.label.lower(), str(position)):
                return CleanAnswer(value=choice.id, code=choice.snomed or item.snomed)
        options = "; ".join(f"{n}={c.id}" for n, c in enumerate(item.choices, start=1))
        raise ValidationError(f"{item.label}: {text!r} is not an option ({options})")
    if item.type == "yes_no":
        lowered = text.lower()
        if lowered in _YES:
            return CleanAnswer(value="yes", code=item.snomed)
        if lowered in _NO:
            return CleanAnswer(value="no", code=item.snomed)
        raise ValidationError(f"{item.label}: answer yes or no")
    if item.type == "date":
        today = today or date.today()
        if text.lower() == "today":
            return CleanAnswer(value=today.isoformat(), code=item.snomed)
        try:
            when = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{item.label}: {text!r} is not a date (YYYY-MM-DD)") from None
        return CleanAnswer(value=when.isoformat(), code=item.snomed)
    if len(text) > TEXT_MAX:
        raise ValidationError(f"{item.label}: at most {TEXT_MAX} characters")
    return CleanAnswer(value=text, code=item.snomed)


def _range_text(item: TemplateItem) -> str:
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and item.max is not None:
        return f"{item.min:g}-{item.max:g}{unit}"
    if item.min is not None:
        return f"at least {item.min:g}{unit}"
    return f"at most {item.max:g}{unit}"


def describe_expected(item: TemplateItem) -> str:
    """A short hint for a form field or a CLI error."""
    if item.type == "number":
        bounds = _range_text(item) if item.min is not None or item.max is not None else ""
        return bounds or (item.unit or "a number")
    if item.type == "choice":
        return " / ".join(f"{n} {c.label}" for n, c in enumerate(item.choices, start=1))
    if item.type == "yes_no":
        return "y / n"
    if item.type == "date":
        return "YYYY-MM-DD or today"
    return "text"
