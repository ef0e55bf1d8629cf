"""The read ("Public") side of the entities: what the services hand to the UI and the CLI.

As in the SQLModel full-stack template, the table row never leaves the service; a frozen
pydantic model is built from it and dumped for `--json` with
`model_dump(mode="json", by_alias=True)` (the aliases are the JSON names the CLI has
always printed, e.g. `note_id`)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_attrs(cls, row: object, **extra: Any) -> Self:
        """From a table row's attributes of the same names, plus `extra` fields the row
        does not hold (a related record's name, a count)."""
        data = {name: getattr(row, name) for name in cls.model_fields if name not in extra}
        return cls.model_validate({**data, **extra})
