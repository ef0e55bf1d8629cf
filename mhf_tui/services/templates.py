"""Review templates: checklists as data files, validated when loaded.

Templates ship as TOML in `mhf_tui/review_templates/`; a user (or a locality) can add their
own `.toml` or `.json` files in the data dir's `templates/` folder. A user template with the
same id as a shipped one replaces it, so a service can adapt a checklist without a new
release. Every file is checked by the pydantic models below (unknown keys refused, item types
from a fixed list, whole numbers strict, cross-field rules as model validators): a typo in a
template would otherwise silently drop a required item from every review.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticError

from mhf_tui.errors import ValidationError

ItemType = Literal["number", "choice", "yes_no", "text", "date"]
AppliesTo = Literal["smi_register", "care_plan", "active"]
#: how a check's QOF window is counted: within the contract year, or QOF MH011 for lipids
#: (this contract year if a risk factor is on record, else this or the previous one)
QofWindow = Literal["contract_year", "mh011_lipids"]
SHIPPED_DIR = "review_templates"  # inside the mhf_tui package
TEXT_MAX = 2000
#: how shipped templates are listed (most used first)
SHIPPED_ORDER = ("smi_physical_health_check", "medication_monitoring", "care_plan_review")


class TemplateError(ValidationError):
    """A template file that cannot be used; the message names the file and the field."""


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _as_text(value: object) -> object:
    """Versions and codes may be written as numbers in TOML; they are kept as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Ident = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,63}$"),
    Field(description="lower case letters, digits and _ (starting with a letter)"),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Snomed = Annotated[
    str,
    BeforeValidator(_as_text),
    StringConstraints(strip_whitespace=True, pattern=r"^([1-9][0-9]{5,17})?$"),
]
Months = Annotated[int, Field(strict=True, ge=1, le=120)]
Number = Annotated[float, Field(strict=True), AfterValidator(_finite)]
Age = Annotated[int, Field(strict=True, ge=0, le=130)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Choice(_Model):
    id: Ident
    label: Label
    snomed: Snomed = ""


class Eligibility(_Model):
    """Who an item is a prompt for (cancer screening, immunisation): sex and age band."""

    sex: Literal["female", "male"] | None = None
    min_age: Age | None = None
    max_age: Age | None = None

    def includes(self, *, sex: str, age: int) -> bool:
        if self.sex is not None and sex != self.sex:
            return False
        if self.min_age is not None and age < self.min_age:
            return False
        return self.max_age is None or age <= self.max_age


class TemplateItem(_Model):
    id: Ident
    label: Label
    type: ItemType
    required: StrictBool = False
    unit: str = ""
    min: Number | None = None
    max: Number | None = None
    integer: StrictBool = False
    choices: tuple[Choice, ...] = ()
    snomed: Snomed = ""
    help: str = ""
    #: QOF check this item counts towards (see `ReviewTemplate.checks`)
    check: str = ""
    qof_window: QofWindow | None = None
    #: computed from other items when they are answered and this one is not
    formula: Literal["bmi"] | None = None
    #: a prompt only for some patients (by sex and age)
    eligible: Eligibility | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type != "number" and (
            self.min is not None or self.max is not None or self.unit or self.formula
        ):
            raise ValueError("'min', 'max', 'unit' and 'formula' only apply to number items")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min:g}) is above 'max' ({self.max:g})")
        if self.type == "choice" and len(self.choices) < 2:
            raise ValueError("a choice item needs at least two 'choices'")
        if self.type != "choice" and self.choices:
            raise ValueError("'choices' only apply to choice items")
        if len({c.id for c in self.choices}) != len(self.choices):
            raise ValueError("choice ids must be unique")
        if self.qof_window is not None and not self.check:
            raise ValueError("'qof_window' needs 'check'")
        if self.type == "yes_no" and self.snomed:
            raise ValueError("a yes_no item has no 'snomed' (a 'no' would be coded too): "
                             "use a choice with the code on its 'yes'")  # fmt: skip
        return self

    @property
    def window(self) -> QofWindow | None:
        """How the item's check is counted (a check item counts in its contract year)."""
        if not self.check:
            return None
        return self.qof_window or "contract_year"

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def applies(self, *, sex: str, age: int) -> bool:
        return self.eligible is None or self.eligible.includes(sex=sex, age=age)


class QofCheck(_Model):
    id: Ident
    label: Label
    indicator: str = ""


class ReviewTemplate(_Model):
    id: Ident
    title: Label
    version: Annotated[Label, BeforeValidator(_as_text)]
    recurrence_months: Months
    source: Label
    items: tuple[TemplateItem, ...] = Field(min_length=1)
    applies_to: tuple[AppliesTo, ...] = Field(default=("smi_register",), min_length=1)
    checks: tuple[QofCheck, ...] = ()
    description: str = ""
    #: monitoring schedule in weeks from the date answered to `schedule_start_item`
    #: (e.g. 0, 12, 52: baseline, 12 weeks, 1 year), then every `recurrence_months`
    schedule_weeks: tuple[Annotated[int, Field(strict=True, ge=0, le=520)], ...] = ()
    schedule_start_item: str = ""
    origin: Literal["shipped", "user"] = "shipped"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [i.id for i in self.items]
        for item_id in ids:
            if ids.count(item_id) > 1:
                raise ValueError(f"item id {item_id!r} is used twice")
        check_ids = [c.id for c in self.checks]
        if len(set(check_ids)) != len(check_ids):
            raise ValueError("check ids must be unique")
        for item in self.items:
            if item.check and item.check not in check_ids:
                raise ValueError(f"item {item.id}: 'check' {item.check!r} is not one of the "
                                 "template's checks")  # fmt: skip
            if item.formula == "bmi" and not {"weight", "height"} <= set(ids):
                raise ValueError(f"item {item.id}: a BMI formula needs 'weight' and 'height'")
        for check in self.checks:
            if check.id not in {i.check for i in self.items}:
                raise ValueError(f"check {check.id!r} has no item")
        self._check_schedule()
        return self

    def _check_schedule(self) -> None:
        if not self.schedule_weeks and not self.schedule_start_item:
            return
        weeks = list(self.schedule_weeks)
        if not weeks or weeks != sorted(set(weeks)):
            raise ValueError("'schedule_weeks' must be increasing whole weeks")
        start = next((i for i in self.items if i.id == self.schedule_start_item), None)
        if start is None or start.type != "date":
            raise ValueError("'schedule_start_item' must name a date item")

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

    def __iter__(self) -> Iterator[ReviewTemplate]:
        return iter(self.templates.values())

    def __len__(self) -> int:
        return len(self.templates)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self.templates


# --- parsing ---------------------------------------------------------------------------


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """`items[3] (bmi).min` from a pydantic location, naming items by their id."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(step)
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def _describe(error: Any, raw: Any) -> str:
    loc = tuple(step for step in error["loc"] if not str(step).startswith("function-"))
    name = str(loc[-1]) if loc else ""
    parent = _where(loc[:-1], raw)
    prefix = f"{parent}: " if parent else ""
    kind = error["type"]
    if kind == "missing":
        return f"{prefix}missing {name!r}"
    if kind == "extra_forbidden":
        return f"{prefix}unknown field(s) {name}"
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        return f"{_where(loc, raw)}: {message}" if loc else message
    if kind == "literal_error":
        return f"{prefix}{name!r} must be one of {error['ctx']['expected']}"
    if kind == "string_pattern_mismatch" and name in ("snomed",):
        return f"{prefix}{name!r} must be a SNOMED CT concept id (6 to 18 digits)"
    if kind == "string_pattern_mismatch":
        return f"{prefix}{name!r} must be lower case letters, digits and _"
    if kind in ("float_type", "float_parsing"):
        return f"{prefix}{name!r} must be a number"
    message = str(error["msg"]).removeprefix("Input should be ").removeprefix("input should be ")
    return f"{prefix}{name!r} must be {message}"


def parse_template(raw: Any, *, source_name: str, origin: str = "shipped") -> ReviewTemplate:
    """Build a template from parsed TOML/JSON, or raise `TemplateError` naming the problem."""
    where = f"review template {source_name}"
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: expected a table of fields")
    try:
        template = ReviewTemplate.model_validate({**raw, "origin": origin})
    except PydanticError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors()[:3])
        raise TemplateError(f"{where}: {problems}") from None
    return template


def parse_template_text(text: str, *, source_name: str, origin: str = "shipped") -> ReviewTemplate:
    try:
        raw = json.loads(text) if source_name.endswith(".json") else tomllib.loads(text)
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


def _user_templates(user_dir: Path) -> Iterator[ReviewTemplate]:
    seen: set[str] = set()
    for path in sorted(user_dir.iterdir()):
        if path.suffix not in (".toml", ".json") or path.name.startswith("."):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"review template {path} cannot be read: {exc}") from None
        template = parse_template_text(text, source_name=str(path), origin="user")
        if template.id in seen:
            raise TemplateError(f"review template {path}: id {template.id!r} is used twice")
        seen.add(template.id)
        yield template


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
        for template in _user_templates(user_dir):
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


def _clean_number(item: TemplateItem, text: str, _today: date) -> CleanAnswer:
    match = _NUMBER.fullmatch(text)
    if not match:
        raise ValidationError(f"{item.label}: {text!r} is not a number")
    number, unit = float(match.group(1)), match.group(2)
    if unit and _unit_key(unit) != _unit_key(item.unit):
        raise ValidationError(f"{item.label}: expected {item.unit or 'no unit'}, got {unit!r}")
    if item.integer and not number.is_integer():
        raise ValidationError(f"{item.label}: a whole number is expected")
    low = item.min if item.min is not None else -math.inf
    high = item.max if item.max is not None else math.inf
    if not low <= number <= high:
        raise ValidationError(f"{item.label}: {number:g} is outside {_range_text(item)}")
    value = str(int(number)) if number.is_integer() else f"{number:g}"
    return CleanAnswer(value=value, number=number, unit=item.unit, code=item.snomed)


def _clean_choice(item: TemplateItem, text: str, _today: date) -> CleanAnswer:
    lowered = text.lower()
    for position, choice in enumerate(item.choices, start=1):
        if lowered in (choice.id, choice.label.lower(), str(position)):
            return CleanAnswer(value=choice.id, code=choice.snomed or item.snomed)
    options = "; ".join(f"{n}={c.id}" for n, c in enumerate(item.choices, start=1))
    raise ValidationError(f"{item.label}: {text!r} is not an option ({options})")


def _clean_yes_no(item: TemplateItem, text: str, _today: date) -> CleanAnswer:
    lowered = text.lower()
    if lowered in _YES | _NO:
        return CleanAnswer(value="yes" if lowered in _YES else "no", code=item.snomed)
    raise ValidationError(f"{item.label}: answer yes or no")


def _clean_date(item: TemplateItem, text: str, today: date) -> CleanAnswer:
    if text.lower() == "today":
        return CleanAnswer(value=today.isoformat(), code=item.snomed)
    try:
        when = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{item.label}: {text!r} is not a date (YYYY-MM-DD)") from None
    return CleanAnswer(value=when.isoformat(), code=item.snomed)


def _clean_text(item: TemplateItem, text: str, _today: date) -> CleanAnswer:
    if len(text) > TEXT_MAX:
        raise ValidationError(f"{item.label}: at most {TEXT_MAX} characters")
    return CleanAnswer(value=text, code=item.snomed)


_CLEANERS = {
    "number": _clean_number,
    "choice": _clean_choice,
    "yes_no": _clean_yes_no,
    "date": _clean_date,
    "text": _clean_text,
}


def clean_answer(item: TemplateItem, raw: str, *, today: date | None = None) -> CleanAnswer:
    """Validate a typed answer against its item. Raises `ValidationError` saying what fits.

    Numbers may carry the item's unit ("128 mmHg") but not another one. A choice may be
    given by its id, its label or its 1-based position.
    """
    text = raw.strip()
    if not text:
        raise ValidationError(f"{item.label}: no value given")
    return _CLEANERS[item.type](item, text, today or date.today())


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
    return {"yes_no": "y / n", "date": "YYYY-MM-DD or today"}.get(item.type, "text")


def computed_bmi(weight_kg: float, height_cm: float) -> float:
    """BMI in kg/m2 to one decimal place, from weight (kg) and height (cm)."""
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


def computed_answers(
    template: ReviewTemplate,
    given: Mapping[str, str | None],
    stored: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Formula items (BMI from weight and height) worked out from the values `given` now
    or `stored` before, when no value for them was given or stored; nothing while an input
    is missing or not valid."""
    stored = stored or {}
    found: dict[str, str] = {}
    for item in template.items:
        if item.formula != "bmi" or given.get(item.id) or item.id in stored:
            continue
        numbers: list[float] = []
        for source in ("weight", "height"):
            raw = given[source] if source in given else stored.get(source)
            try:
                number = clean_answer(template.item(source), raw or "").number
            except ValidationError:
                break
            numbers.append(number or 0.0)
        else:
            found[item.id] = f"{computed_bmi(numbers[0], numbers[1]):g}"
    return found
