"""What to generate: scale, seed, as-of date, output format, anomaly counts.

Everything random comes from ``stream(config, name)``: one NumPy generator per named
part of the province, seeded from the seed and the part's name, so that a part draws
the same numbers whatever the other parts do, and the same seed gives the same files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

DEFAULT_AS_OF = date(2025, 6, 30)  # fixed, never today: files must not depend on the clock
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Scale:
    name: str
    people: int  # people in the background population
    planted: int  # planted anomalies per model
    near_misses: int  # lawful look-alikes per model


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("tiny", 1_000, 3, 1),
        Scale("small", 20_000, 10, 3),
        Scale("medium", 200_000, 40, 10),
        Scale("province", 2_000_000, 100, 20),
    )
}


@dataclass(frozen=True)
class Config:
    scale: Scale
    seed: int
    out: Path
    as_of: date = DEFAULT_AS_OF
    format: str = "csv"
    dirty: bool = False
    planted: int | None = None  # None: the scale's default
    near_misses: int | None = None

    @property
    def planted_per_model(self) -> int:
        return self.scale.planted if self.planted is None else self.planted

    @property
    def near_misses_per_model(self) -> int:
        return self.scale.near_misses if self.near_misses is None else self.near_misses


def stream(config: Config, name: str) -> np.random.Generator:
    """The random generator of one named part; independent of every other part."""
    return np.random.default_rng([config.seed, zlib.crc32(name.encode("utf-8"))])
