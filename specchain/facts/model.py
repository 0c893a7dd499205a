"""The facts read from a brief: typed, frozen, each with the words it came from and a stable key.

The key is what a later UI offers an edit box for, and what a correction is passed back in under
(`read_facts(values, answers, corrections={"availability": "99.95%"})`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Origin = Literal["brief", "answer", "correction"]


class Fact(BaseModel):
    """One thing the brief says: "users.concurrent" = 8,000 users, from "Peak of 8,000 concurrent users"."""

    model_config = ConfigDict(frozen=True)

    key: str  # stable: "users.concurrent", "latency.api.p95", "availability", "stack.database", …
    label: str  # for people: "Concurrent users at peak"
    value: float | str  # numbers in the unit below; names as text ("Oracle")
    high: float | None = None  # the top of a range ("50–250" → value 50, high 250)
    unit: str = ""  # "users", "ms", "%", "min", "GB", "x", "/day", "/s" or "" for names
    detail: str = ""  # a version or qualifier the name came with ("19c", "OpenShift")
    quote: str  # the words it came from, as written
    origin: Origin = "brief"
    field: str = ""  # the brief field it came from, "answers" or "corrections"
    note: str = ""  # "you answered in version 1"

    @property
    def number(self) -> float | None:
        return float(self.value) if isinstance(self.value, (int, float)) else None

    @property
    def top(self) -> float | None:
        """The value to plan for: the top of a range, else the value."""
        if self.high is not None:
            return self.high
        return self.number

    @property
    def name(self) -> str:
        """A name with its detail: "Oracle 19c"."""
        return f"{self.value} {self.detail}".strip() if isinstance(self.value, str) else str(self.value)


class Unread(BaseModel):
    """Words with a figure in them that could not be given a meaning; asked about, never guessed."""

    model_config = ConfigDict(frozen=True)

    field: str
    quote: str

    @property
    def question(self) -> str:
        return (f"Your brief says “{self.quote}”: what does this figure measure (for example people using the "
                "product at the same moment, requests per second, or stored data)?")


class AnsweredQuestion(BaseModel):
    """A clarification question the user answered, kept so the document can show it as answered."""

    model_config = ConfigDict(frozen=True)

    question: str
    answer: str
    version: int
    topic: str  # "Database", "Cloud or hosting", … or "" when the question matched no topic
    keys: tuple[str, ...] = ()  # the facts this answer set

    @property
    def display(self) -> str:
        label = self.topic or self.question.rstrip("?")
        return f"{label}: {self.answer.strip()} (you answered in version {self.version})"


class Facts(BaseModel):
    """Everything read from one brief (and its answers and corrections)."""

    model_config = ConfigDict(frozen=True)

    facts: tuple[Fact, ...] = ()
    unread: tuple[Unread, ...] = ()
    answered: tuple[AnsweredQuestion, ...] = ()

    def get(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)

    def number(self, key: str) -> float | None:
        fact = self.get(key)
        return fact.number if fact else None

    def top(self, key: str) -> float | None:
        fact = self.get(key)
        return fact.top if fact else None

    def text(self, key: str) -> str | None:
        fact = self.get(key)
        return fact.value if fact and isinstance(fact.value, str) else None

    def starting(self, prefix: str) -> list[Fact]:
        return [f for f in self.facts if f.key.startswith(prefix)]

    def keys(self) -> list[str]:
        return [f.key for f in self.facts]
