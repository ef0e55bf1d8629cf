"""Field checks as reusable types, so a model states a field's rule by its type:

    class PatientCreate(CheckedModel):
        nhs_number: OptionalNhsNumber = None
        date_of_birth: BirthDate

Each type is `Annotated[...]` with a validator that is one of `services.validation`'s
rules (one rule, one message, shared with the CLI's argument types). A failed rule becomes
a pydantic error whose message names the field and the rule, never the value; models built
on `CheckedModel` hide the input in pydantic's own errors as well, and raise mhf's
`ValidationError` (the first problem) or list every problem (`CheckedModel.problems`, for
the importers, which report every bad cell with its line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from mhf_tui.errors import ValidationError
from mhf_tui.services import validation as v

#: how a field is named in messages, where its name with spaces would not do
LABELS = {"phone_alt": "second phone", "share_decision_on": "sharing decision date"}


def label(info: ValidationInfo) -> str:
    name = info.field_name or "value"
    return LABELS.get(name, name.replace("_", " "))


def rule_failed(message: str) -> PydanticCustomError:
    """A broken rule as a pydantic error carrying mhf's message as is."""
    return PydanticCustomError("mhf_rule", message)


def _rule(check: Callable[..., Any], *, labelled: bool = False, **options: Any) -> Any:
    """`check(value[, label], **options)` as a validator (with the field's label if
    `labelled`)."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        try:
            if labelled:
                return check(value, label(info), **options)
            return check(value, **options)
        except ValidationError as exc:
            raise rule_failed(str(exc)) from None

    return validate


#: "today" for the date rules while `CheckedModel.check` runs with one fixed
_TODAY: ContextVar[date | None] = ContextVar("today", default=None)


def _born(value: Any) -> date:
    """Not in the future (as of `_TODAY`, else today)."""
    try:
        return v.date_of_birth(value, today=_TODAY.get())
    except ValidationError as exc:
        raise rule_failed(str(exc)) from None


NhsNumber = Annotated[str, AfterValidator(_rule(v.normalise_nhs_number))]
#: None (or blank) for patients not yet registered with an NHS number
OptionalNhsNumber = Annotated[str | None, BeforeValidator(_rule(v.optional_nhs_number))]
OdsCode = Annotated[str, AfterValidator(_rule(v.normalise_ods_code))]
Phone = Annotated[str, AfterValidator(_rule(v.normalise_phone, labelled=True))]
Postcode = Annotated[str, AfterValidator(_rule(v.normalise_postcode))]
Sex = Annotated[str, AfterValidator(_rule(v.normalise_sex))]
Name = Annotated[str, AfterValidator(_rule(v.required_text, labelled=True, max_length=100))]
RequiredText = Annotated[str, AfterValidator(_rule(v.required_text, labelled=True))]
Text = Annotated[str, AfterValidator(_rule(v.optional_text, labelled=True, max_length=2000))]
# The types below parse text as typed (a CSV cell, a form field), so they accept it too:
# once checked the value is always the first type (a date, a bool, an int).
BirthDate = Annotated[date | str, BeforeValidator(_born)]
Day = Annotated[date | str, BeforeValidator(_rule(v.parse_date, labelled=True))]
OptionalDay = Annotated[date | str | None, BeforeValidator(_rule(v.optional_date, labelled=True))]
Flag = Annotated[bool | str, BeforeValidator(_rule(v.parse_bool, labelled=True))]
CareCluster = Annotated[int | str | None, BeforeValidator(_rule(v.parse_care_cluster))]


def one_of(allowed: tuple[str, ...], what: str) -> AfterValidator:
    """A choice from `allowed` (case, spaces and dashes forgiven)."""
    return AfterValidator(_rule(v.choice, field=what, allowed=allowed))


def problems_of(error: PydanticError, entity: str) -> list[str]:
    """Every problem in a pydantic error as a message fit to show (no values)."""
    messages = []
    for item in error.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in item["loc"])
        if item["type"] == "mhf_rule":
            messages.append(item["msg"])
        elif item["type"] == "extra_forbidden":
            messages.append(f"unknown {entity} field {name}")
        elif item["type"] == "missing":
            messages.append(f"{LABELS.get(name, name.replace('_', ' '))} is required")
        else:
            messages.append(f"{LABELS.get(name, name.replace('_', ' '))}: {item['msg']}")
    return messages


class InvalidRecord(ValidationError):
    """Every problem found in one record; the message is the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0])


class CheckedModel(BaseModel):
    """Input checked field by field on construction; a problem raises `InvalidRecord`
    (mhf's `ValidationError`: the CLI's one line, the UI's notice)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)
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
