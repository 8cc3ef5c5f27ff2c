"""GB/T 2260 administrative division codes (行政区划代码): province, prefecture and county level.

The table in data/gbt2260_regions.csv is the published code list (6 digits: 2 province, 2 prefecture,
2 county). Loading it at import costs about a millisecond and keeps validation a dictionary look-up.
"""

from __future__ import annotations

import csv
from pathlib import Path

_TABLE = Path(__file__).with_name("data") / "gbt2260_regions.csv"


def _load() -> dict[str, str]:
    with _TABLE.open(encoding="utf-8", newline="") as table:
        return {row["code"]: row["name"] for row in csv.DictReader(table)}


REGIONS: dict[str, str] = _load()
PROVINCES: dict[str, str] = {code[:2]: name for code, name in REGIONS.items() if code.endswith("0000")}


class UnknownRegionCode(ValueError):
    pass


def normalise_region_code(raw: str) -> str:
    """Return the code if it is a GB/T 2260 division, else raise with what is wrong."""
    code = raw.strip()
    if len(code) != 6 or not code.isdigit():
        raise UnknownRegionCode(f"must be a 6-digit GB/T 2260 code, got '{code}'")
    if code not in REGIONS:
        if code[:2] not in PROVINCES:
            raise UnknownRegionCode(f"{code} is not a GB/T 2260 code: no province {code[:2]}")
        raise UnknownRegionCode(f"{code} is not a GB/T 2260 code in {PROVINCES[code[:2]]}")
    return code


def county_level_codes() -> list[str]:
    """Codes with no subdivisions of their own: where a firm is actually registered."""
    parents = {code[:4] + "00" for code in REGIONS if not code.endswith("00")}
    parents |= {code[:2] + "0000" for code in REGIONS if not code.endswith("0000")}
    return sorted(code for code in REGIONS if code not in parents)
