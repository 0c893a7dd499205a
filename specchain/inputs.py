"""What the user gives a chain step: field values plus answers to earlier clarification questions."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)


class FieldSpec(BaseModel):
    """One input field of a chain step, as defined in the step's fields.toml."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    label: str
    help: str
    placeholder: str = ""
    required: bool = False
    max_chars: int = Field(default=8000, gt=0)
    lines: int = 3


class Answer(BaseModel):
    """A user's answer to one clarification question of a previous version."""

    model_config = ConfigDict(frozen=True)

    version: int
    question: str
    answer: str


class ChainInputs(BaseModel):
    """Everything a run is generated from: the brief's values, the answers carried so far, and the PM's
    corrections of what was read from the brief (fact key → corrected text; "" means the fact does not apply)."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, str]
    answers: tuple[Answer, ...] = ()
    corrections: dict[str, str] = {}


def brief_model(fields: list[FieldSpec]) -> type[BaseModel]:
    """A pydantic model of one step's brief, built from its field definitions (so a new step needs no code)."""
    return _brief_model(tuple(fields))


@functools.lru_cache(maxsize=16)
def _brief_model(fields: tuple[FieldSpec, ...]) -> type[BaseModel]:  # built once per step, not on every rerun
    definitions: dict[str, Any] = {
        spec.key: (
            Annotated[str, StringConstraints(min_length=1 if spec.required else 0, max_length=spec.max_chars)],
            ... if spec.required else "",
        )
        for spec in fields
    }
    return create_model("Brief", __config__=ConfigDict(str_strip_whitespace=False), **definitions)


def validation_problems(fields: list[FieldSpec], values: dict[str, str]) -> dict[str, str]:
    """Friendly messages, by field key, for values that cannot be used. Empty when all is well.

    Nothing is trimmed or truncated: the user keeps what they typed and is told what to change.
    """
    labels = {spec.key: spec for spec in fields}
    # A name of only spaces is as good as none; the values themselves are not changed.
    checked = {k: (v if v.strip() else "") for k, v in values.items() if k in labels and v is not None}
    try:
        brief_model(fields).model_validate(checked)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            spec = labels[str(error["loc"][0])]
            value = values.get(spec.key) or ""
            if error["type"] in ("missing", "string_too_short"):
                problems[spec.key] = f"Please fill in “{spec.label}”: the document needs it."
            elif error["type"] == "string_too_long":
                over = len(value) - spec.max_chars
                problems[spec.key] = (
                    f"“{spec.label}” is {len(value):,} characters long; the limit is {spec.max_chars:,}. "
                    f"Please shorten it by {over:,} character{'s' if over != 1 else ''} (a summary works well)."
                )
            else:
                problems[spec.key] = f"“{spec.label}” can't be used as it is: {error['msg']}."
        return problems
    return {}
