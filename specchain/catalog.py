"""Claude models and their prices, read from data/models.toml (prices change; code shouldn't)."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MODELS_FILE = Path(__file__).parent / "data" / "models.toml"
# Typical length of a complete Performance & Scalability document, in output tokens (planning included).
TYPICAL_OUTPUT_TOKENS = (8_000, 20_000)


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    description: str
    input_per_mtok: float
    output_per_mtok: float
    max_output_tokens: int
    accepts_temperature: bool = False

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    prices_as_of: str
    default: str
    models: list[ModelInfo]

    def get(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.models if m.id == model_id), None)

    def info(self, model_id: str) -> ModelInfo:
        """The listed model, or a stand-in for a custom model ID (a local server): no known price."""
        return self.get(model_id) or ModelInfo(
            id=model_id, name=model_id, description="Custom model", input_per_mtok=0, output_per_mtok=0,
            max_output_tokens=128_000, accepts_temperature=True,
        )


@functools.cache
def load_catalog(path: Path = MODELS_FILE) -> Catalog:
    return Catalog(**tomllib.loads(path.read_text(encoding="utf-8")))


# Chinese, Japanese and Korean characters are roughly a token each, not a quarter of one.
_WIDE = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """About four characters a token for English prose and code, one per CJK character; an estimate, shown as one."""
    wide = len(_WIDE.findall(text))
    return max(1, round((len(text) - wide) / 4) + wide)


def cost_range(model: ModelInfo, prompt: str, max_tokens: int) -> tuple[float, float]:
    low_out, high_out = (min(t, max_tokens) for t in TYPICAL_OUTPUT_TOKENS)
    tokens_in = estimate_tokens(prompt)
    return model.cost(tokens_in, low_out), model.cost(tokens_in, high_out)
