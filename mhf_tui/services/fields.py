"""Field checks as reusable pydantic types, so a model states a field's rule by its type:

    class PatientCreate(CheckedModel, PatientBase):
        nhs_number: OptionalNhsNumber = None
        date_of_birth: BirthDate

Each type is `Annotated[...]` with a validator that is one of `services.validation`'s
rules (one rule, one message, shared with the CLI's argument types), reported one way:
`rule_failed`, a pydantic error whose message names the field and the rule, never the
value. A Create model derives from its table's Base (`mhf_tui.db.tables`) and names only
the fields with a rule type of their own; the others are checked by their type
(`RulesByType`), so each field is declared once.

Two ways to build a model from input: `StrictModel`s with `parse_model` (one
`ValidationError` line listing every problem after its place: the care-plan and
related-people models) and `CheckedModel` (checked on construction, the first problem
raised, every problem listed for the importers, which report each bad cell with its line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any, ClassVar, Self, TypeVar, get_type_hints

import pydantic
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

from mhf_tui.errors import ValidationError
from mhf_tui.safe_text import has_control
from mhf_tui.services import validation

M = TypeVar("M", bound=pydantic.BaseModel)

#: the config of every Create/Update model: unknown fields are an error, and no error
#: message carries what was typed
STRICT = SQLModelConfig(extra="forbid", hide_input_in_errors=True)

#: how a field is named in messages, where its name with spaces would not do
LABELS = {"phone_alt": "second phone", "share_decision_on": "sharing decision date"}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def label(info: ValidationInfo) -> str:
    return _label(info.field_name or "value")


def rule_failed(message: str) -> PydanticCustomError:
    """A broken rule as a pydantic error carrying mhf's message as is: the one way every
    type here reports a problem."""
    return PydanticCustomError("mhf_rule", message)


def rule(check: Callable[..., Any], *, labelled: bool = False, **options: Any) -> Any:
    """`check(value[, label], **options)` (one of `services.validation`'s rules) as a
    validator, with the field's label if `labelled`."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        try:
            if labelled:
                return check(value, label(info), **options)
            return check(value, **options)
        except ValidationError as exc:
            raise rule_failed(str(exc)) from None

    return validate


def _line(max_length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value or "").strip()
        if has_control(text):
            raise rule_failed("must be one line without control characters")
        if len(text) > max_length:
            raise rule_failed(f"is longer than {max_length} characters")
        return text

    return check


def _text(max_length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value or "").strip()
        if any(has_control(line) for line in text.replace("\t", " ").splitlines()):
            raise rule_failed("contains control characters")
        if len(text) > max_length:
            raise rule_failed(f"is longer than {max_length} characters")
        return text

    return check


def _required(value: str) -> str:
    if not value:
        raise rule_failed("is required")
    return value


#: "today" for the date rules while `CheckedModel.check` runs with one fixed
_TODAY: ContextVar[date | None] = ContextVar("today", default=None)


def _date_of_birth(value: Any) -> date:
    """Not in the future (as of `_TODAY`, else today)."""
    return validation.date_of_birth(value, today=_TODAY.get())


# The types of the care-plan and related-people models, whose messages are put after the
# field's place ("goals #2 goal: is required").
#: a one-line field (a name, an owner, a goal): no control characters, 200 at most
Line = Annotated[str, BeforeValidator(_line(200))]
RequiredLine = Annotated[str, BeforeValidator(_line(500)), AfterValidator(_required)]
#: free text over several lines (a crisis plan)
long_text_check = rule(_text(20_000))
LongText = Annotated[str, BeforeValidator(long_text_check)]

# The types whose messages stand alone, so they name the field.
NhsNumber = Annotated[str, AfterValidator(rule(validation.normalise_nhs_number))]
#: None (or blank) for patients not yet registered with an NHS number
OptionalNhsNumber = Annotated[str | None, BeforeValidator(rule(validation.optional_nhs_number))]
OdsCode = Annotated[str, AfterValidator(rule(validation.normalise_ods_code))]
#: a UK phone number as the patient gave it
Phone = Annotated[str, BeforeValidator(rule(validation.normalise_phone, labelled=True))]
#: a helpline may be short (111, 116 123)
AnyPhone = Annotated[str, BeforeValidator(rule(validation.normalise_service_phone))]
Postcode = Annotated[str, AfterValidator(rule(validation.normalise_postcode))]
Sex = Annotated[str, AfterValidator(rule(validation.normalise_sex))]
Name = Annotated[str, AfterValidator(rule(validation.required_text, labelled=True, max_length=100))]
_text_check = rule(validation.optional_text, labelled=True, max_length=2000)
Text = Annotated[str, AfterValidator(_text_check)]
# The types below parse text as typed (a CSV cell, a form field) before checking it: once
# checked the value is of the type named (a date, a bool, an int).
BirthDate = Annotated[date, BeforeValidator(rule(_date_of_birth))]


def one_of(allowed: tuple[str, ...], what: str) -> AfterValidator:
    """A choice from `allowed` (case, spaces and dashes forgiven)."""
    return AfterValidator(rule(validation.choice, field=what, allowed=allowed))


def date_named(what: str) -> BeforeValidator:
    """YYYY-MM-DD, or empty for none; `what` names it in the message."""
    return BeforeValidator(rule(validation.optional_date, field=what))


_date_check = rule(validation.optional_date, field="date")
#: The message names a date, not the field, for models whose messages follow the field's
#: place ("review_on: date must be a date as YYYY-MM-DD").
OptionalDate = Annotated[date | None, BeforeValidator(_date_check)]
_flag_check = rule(validation.parse_bool, labelled=True)
#: yes/no, true/false, 1/0 ("smi register must be true or false")
Flag = Annotated[bool, BeforeValidator(_flag_check)]
CareCluster = Annotated[int | None, BeforeValidator(rule(validation.parse_care_cluster))]


def _message(error: Mapping[str, Any]) -> str:
    """`goals #2 goal: is required`: list items counted from 1, as the user sees them."""
    where = " ".join(
        f"#{part + 1}" if isinstance(part, int) else str(part)
        for part in error.get("loc", ())
        if part != "__root__"
    )
    msg = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def parse_model(model: type[M], data: Any) -> M:
    """`model` validated from `data`; every problem on one line, without the input."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [_message(e) for e in exc.errors(include_input=False, include_url=False)]
        raise ValidationError("; ".join(problems)) from None


def problems_of(error: PydanticError, entity: str) -> list[str]:
    """Every problem in a pydantic error as a message fit to show (no values)."""
    messages = []
    for item in error.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in item["loc"])
        if item["type"] == "mhf_rule":
            messages.append(item["msg"])
        elif item["type"] == "value_error":
            messages.append(f"{_label(name)} {item['msg'].removeprefix('Value error, ')}")
        elif item["type"] == "extra_forbidden":
            messages.append(f"unknown {entity} field {name}")
        elif item["type"] == "missing":
            messages.append(f"{_label(name)} is required")
        else:
            messages.append(f"{_label(name)}: {item['msg']}")
    return messages


class InvalidRecord(ValidationError):
    """Every problem found in one record; the message is the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0])


#: a validator: the value as given and where it is
Check = Callable[[Any, ValidationInfo], Any]


def _on_text(check: Check) -> Check:
    """`check` for text only: anything else is left to pydantic's own check ("Input
    should be a valid string"), as when the rule runs after it."""
    return lambda value, info: check(value, info) if isinstance(value, str) else value


class RulesByType(BaseModel):
    """A Create model derived from a table's Base names only the fields with a rule type
    of their own; every other field is checked by the rule `rules_by_type` gives its
    type (its text as `Text`, its yes/no as `Flag`, ...), so each field is declared once."""

    rules_by_type: ClassVar[Mapping[Any, Check]] = {}

    @classmethod
    def type_rule(cls, field_name: str) -> Check | None:
        """The rule `rules_by_type` gives the field, if its type names none of its own."""
        field = cls.model_fields[field_name]
        return None if field.metadata else cls.rules_by_type.get(field.annotation)

    @field_validator("*", mode="before")
    @classmethod
    def _rule_by_type(cls, value: Any, info: ValidationInfo) -> Any:
        check = cls.type_rule(info.field_name or "")
        return value if check is None else check(value, info)


class StrictModel(SQLModel, RulesByType):
    """A Create model read with `parse_model` (its messages follow the field's place):
    text is one line (`Line`) unless it says otherwise."""

    model_config = STRICT
    rules_by_type = {str: rule(_line(200)), bool: _flag_check, date | None: _date_check}


class UpdateModel(SQLModel):
    """Changes to a record: only the fields given are changed."""

    model_config = STRICT


def update_model(name: str, create: type[RulesByType], **extra: Any) -> type[UpdateModel]:
    """An Update built from its Create: `extra` fields, then each of `create`'s, optional
    (None or not given: unchanged) and checked by the same rule, whether named by its
    type or given by `create.rules_by_type`."""
    hints = get_type_hints(create, include_extras=True)
    fields: dict[str, Any] = {}
    for field_name in create.model_fields:
        hint = hints[field_name]
        check = create.type_rule(field_name)
        if check is not None:
            hint = Annotated[hint, BeforeValidator(check)]
        fields[field_name] = (hint | None, None)
    model: type[UpdateModel] = create_model(
        name, __base__=UpdateModel, __module__=create.__module__, **extra, **fields
    )
    return model


class CheckedModel(RulesByType):
    """Input checked field by field on construction; a problem raises `InvalidRecord`
    (mhf's `ValidationError`: the CLI's one line, the UI's notice)."""

    model_config = SQLModelConfig(frozen=True, extra="forbid", hide_input_in_errors=True)
    rules_by_type = {str: _on_text(_text_check), bool: _flag_check}
    #: what the model describes, in messages ("unknown patient field ...")
    entity: ClassVar[str] = "record"

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except PydanticError as exc:
            raise InvalidRecord(problems_of(exc, self.entity)) from None

    @classmethod
    def check(cls, data: Mapping[str, Any], *, today: date | None = None) -> Self:
        """As the constructor, with "today" fixed for the date rules."""
        token = _TODAY.set(today)
        try:
            return cls(**data)
        finally:
            _TODAY.reset(token)

    @classmethod
    def problems(
        cls, data: Mapping[str, Any], *, today: date | None = None
    ) -> tuple[Self | None, list[str]]:
        """The model, or None and every problem found (for importers)."""
        try:
            return cls.check(data, today=today), []
        except InvalidRecord as exc:
            return None, exc.problems
