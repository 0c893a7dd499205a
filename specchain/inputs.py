"""What the user gives a chain step: field values plus answers to earlier clarification questions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
    """Everything a run is generated from: the brief's values and the answers carried so far."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, str]
    answers: tuple[Answer, ...] = ()


def validation_problems(fields: list[FieldSpec], values: dict[str, str]) -> dict[str, str]:
    """Friendly messages, by field key, for values that cannot be used. Empty when all is well.

    Nothing is trimmed or truncated: the user keeps what they typed and is told what to change.
    """
    problems: dict[str, str] = {}
    for spec in fields:
        value = values.get(spec.key, "")
        if spec.required and not value.strip():
            problems[spec.key] = f"Please fill in “{spec.label}”: the document needs it."
        elif len(value) > spec.max_chars:
            over = len(value) - spec.max_chars
            problems[spec.key] = (
                f"“{spec.label}” is {len(value):,} characters long; the limit is {spec.max_chars:,}. "
                f"Please shorten it by {over:,} characters (a summary works well)."
            )
    return problems
