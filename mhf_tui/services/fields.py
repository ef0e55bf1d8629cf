"""Field checks as reusable pydantic types, for the `Create`/`Update` models.

Each wraps a check from `mhf_tui.services.validation`; `parse_model` turns pydantic's errors
into one `ValidationError` line that names the fields and rules but never a typed value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import AfterValidator, BeforeValidator
from sqlmodel.main import SQLModelConfig

from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.safe_text import has_control
from mhf_tui.services import validation

M = TypeVar("M", bound=pydantic.BaseModel)

#: the config of every Create/Update model: unknown fields are an error, and no error
#: message carries what was typed
STRICT = SQLModelConfig(extra="forbid", hide_input_in_errors=True)


def _as_value_error(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """pydantic reports ValueError as a field error; our checks raise ValidationError."""

    def run(value: Any) -> Any:
        try:
            return check(value)
        except MhfError as exc:
            raise ValueError(str(exc)) from None

    return run


def _line(max_length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value or "").strip()
        if has_control(text):
            raise ValueError("must be one line without control characters")
        if len(text) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return text

    return check


def _text(max_length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value or "").strip()
        if any(has_control(line) for line in text.replace("\t", " ").splitlines()):
            raise ValueError("contains control characters")
        if len(text) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return text

    return check


def _required(value: str) -> str:
    if not value:
        raise ValueError("is required")
    return value


def _optional_date(value: Any) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    return validation.optional_date(str(value), "date")


#: a one-line field (a name, an owner, a goal): no control characters, 200 at most
Line = Annotated[str, BeforeValidator(_line(200))]
RequiredLine = Annotated[str, BeforeValidator(_line(500)), AfterValidator(_required)]
#: free text over several lines (a crisis plan)
LongText = Annotated[str, BeforeValidator(_text(20_000))]
#: a UK phone number as the patient gave it
Phone = Annotated[str, BeforeValidator(_as_value_error(validation.normalise_phone))]
#: a helpline may be short (111, 116 123)
AnyPhone = Annotated[str, BeforeValidator(_as_value_error(validation.normalise_service_phone))]
#: YYYY-MM-DD, or empty for none
OptionalDate = Annotated[date | None, BeforeValidator(_as_value_error(_optional_date))]
#: yes/no, true/false, 1/0
YesNo = Annotated[
    bool, BeforeValidator(_as_value_error(lambda v: validation.parse_bool(v, "value")))
]


def _message(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
    msg = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def parse_model(model: type[M], data: Any) -> M:
    """`model` validated from `data`; every problem on one line, without the input."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [_message(e) for e in exc.errors(include_input=False, include_url=False)]
        raise ValidationError("; ".join(problems)) from None
