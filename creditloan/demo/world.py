"""The demo world as data frames, built with NumPy from a seed: no Django here, only numbers and names.

Every firm has a hidden creditworthiness (a standard normal `quality`). Its records in all five sources are
noisy readings of it, with the gaps of real life: young firms are rated M, most never trade abroad, many have
no bank history, a few are listed as dishonest, some penalties are repaired. Past loans default with a
probability driven by the same hidden quality, so a model trained on the records can learn something real,
and the records' dates let it be trained and evaluated out of time.

A second hidden trait, `leverage` (how hard a firm leans on its credit lines), shows in its bank records'
utilisation, and hurts weak firms far more than strong ones (a strong earner carries debt that sinks a weak
one): the kind of interaction real lending data is full of, which a model of one feature at a time misses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditloan.demo import names
from creditloan.identifiers import RESIDENT_ID_CHECK_CHARS, RESIDENT_ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS
from creditloan.reference.industries import DIVISION_WEIGHTS, DIVISIONS
from creditloan.reference.regions import REGIONS, county_level_codes

DAY = np.timedelta64(1, "D")
# Rough shares of registered firms by province (two-digit GB/T 2260 prefix); the coast weighs most.
PROVINCE_WEIGHTS = {
    "44": 14,
    "32": 10,
    "33": 9,
    "37": 8,
    "41": 6,
    "51": 5,
    "35": 5,
    "42": 4.5,
    "43": 4,
    "34": 4,
    "13": 4,
    "31": 4,
    "11": 3.5,
    "50": 3,
    "36": 3,
    "61": 3,
    "45": 2.5,
    "53": 2.5,
    "21": 2.5,
    "14": 2,
    "52": 2,
    "12": 1.5,
    "15": 1.5,
    "22": 1.2,
    "23": 1.5,
    "62": 1.2,
    "65": 1.2,
    "46": 1,
    "64": 0.5,
    "63": 0.4,
    "54": 0.3,
}


_USCC_VALUE_OF_CODE_POINT = np.zeros(128, dtype=np.int64)
_USCC_VALUE_OF_CODE_POINT[[ord(char) for char in USCC_ALPHABET]] = np.arange(len(USCC_ALPHABET))
_BASE36_OF_CODE_POINT = np.zeros(128, dtype=np.int64)
_BASE36_OF_CODE_POINT[[ord(char) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"]] = np.arange(36)


@dataclass(frozen=True)
class DemoWorld:
    enterprises: pd.DataFrame
    public_credit: pd.DataFrame
    tax: pd.DataFrame
    customs: pd.DataFrame
    bank: pd.DataFrame
    quality: np.ndarray  # hidden; never exported to the hub
    leverage: np.ndarray  # hidden too


RECORD_SOURCES = ("public_credit", "tax", "customs", "bank")
LEVERAGE_STREAM = 17


def iter_world(n: int, *, seed: int, as_of: dt.date) -> Iterator[tuple[str, pd.DataFrame | np.ndarray]]:
    """The world one part at a time, in a fixed order: ("enterprises", firms), ("quality", hidden quality),
    ("leverage", hidden leverage), then each record source. A caller that writes each part and lets it go never
    holds the whole world (about 10 GB of frames at a million firms)."""
    rng = np.random.default_rng(seed)
    today = np.datetime64(as_of, "D")
    firms = _enterprises(rng, n, today)
    yield "enterprises", firms
    quality = rng.standard_normal(n)
    yield "quality", quality
    # A stream of its own, so that adding the trait left every other part of a seed's world as it was.
    leverage = np.random.default_rng([seed, LEVERAGE_STREAM]).standard_normal(n)
    yield "leverage", leverage
    builders = {"public_credit": _public_credit, "tax": _tax, "customs": _customs}
    for source in RECORD_SOURCES:
        if source == "bank":
            yield source, _bank(rng, firms, quality, leverage, today)
        else:
            yield source, builders[source](rng, firms, quality, today)


def build_world(n: int, *, seed: int, as_of: dt.date) -> DemoWorld:
    """The whole world at once, for tests and small worlds."""
    return DemoWorld(**dict(iter_world(n, seed=seed, as_of=as_of)))


def _pick(rng, weights: dict, size: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _chars_to_strings(matrix: np.ndarray) -> np.ndarray:
    """(n, k) array of single characters → n strings of length k."""
    width = matrix.shape[1]
    return np.ascontiguousarray(matrix.astype("<U1")).view(f"<U{width}").ravel()


def uscc_codes(rng, prefixes: np.ndarray, regions: np.ndarray, young: np.ndarray) -> np.ndarray:
    """Valid, distinct codes: an old-style 8-digit organisation code for firms before the 2015 reform, an
    MA-series code after it, each with its GB 11714 and GB 32100 check characters."""
    n = len(prefixes)
    alphabet = np.array(list(USCC_ALPHABET))
    body = np.empty((n, 8), dtype="<U1")
    old = ~young
    digits = rng.choice(90_000_000, size=int(old.sum()), replace=False) + 10_000_000
    body[old] = _split(digits.astype("<U8"), 8)
    if young.any():
        serials = rng.choice(31**6, size=int(young.sum()), replace=False)
        tail = np.empty((len(serials), 6), dtype=np.int64)
        for position in range(5, -1, -1):
            tail[:, position] = serials % 31
            serials //= 31
        body[young, 0], body[young, 1] = "M", "A"
        body[young, 2:] = alphabet[tail]
    base36 = _BASE36_OF_CODE_POINT[np.ascontiguousarray(body).view(np.uint32)]
    org_sum = (base36 * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1)
    org_check_value = 11 - org_sum % 11
    org_check = np.where(org_check_value == 10, "X", np.where(org_check_value == 11, "0", org_check_value.astype(str)))
    first = np.column_stack(
        [
            _split(prefixes, 2),
            _split(regions, 6),
            body,
            org_check.astype("<U1"),
        ]
    )
    values = _USCC_VALUE_OF_CODE_POINT[np.ascontiguousarray(first).view(np.uint32)]
    check = (31 - (values * np.array(USCC_WEIGHTS)).sum(axis=1) % 31) % 31
    return _chars_to_strings(np.column_stack([first, alphabet[check]]))


def resident_ids(rng, regions: np.ndarray, births: np.ndarray) -> np.ndarray:
    n = len(regions)
    birth_digits = pd.to_datetime(births).strftime("%Y%m%d").to_numpy().astype("<U8")
    sequence = np.char.zfill(rng.integers(0, 1000, size=n).astype(str), 3)
    first = np.column_stack([_split(regions, 6), _split(birth_digits, 8), _split(sequence.astype("<U3"), 3)])
    total = (first.astype(np.int64) * np.array(RESIDENT_ID_WEIGHTS)).sum(axis=1)
    check = np.array(list(RESIDENT_ID_CHECK_CHARS))[total % 11]
    return _chars_to_strings(np.column_stack([first, check]))


def _split(strings: np.ndarray, width: int) -> np.ndarray:
    return np.ascontiguousarray(strings.astype(f"<U{width}")).view("<U1").reshape(-1, width)


def _enterprises(rng, n: int, today: np.datetime64) -> pd.DataFrame:
    # The demo's third kind is the farmers' professional cooperative (93, 农民专业合作社), named below as one.
    kind = rng.choice(np.array(["company", "sole_proprietor", "cooperative"]), size=n, p=[0.66, 0.32, 0.02])
    prefixes = np.select([kind == "company", kind == "sole_proprietor"], ["91", "92"], "93")

    counties = np.array([code for code in county_level_codes() if code[:2] in PROVINCE_WEIGHTS])
    province = _pick(rng, PROVINCE_WEIGHTS, n)
    region = np.empty(n, dtype="<U6")
    for prefix in PROVINCE_WEIGHTS:
        members = counties[np.char.startswith(counties, prefix)]
        chosen = province == prefix
        region[chosen] = rng.choice(members, size=int(chosen.sum()))

    industry = _pick(rng, DIVISION_WEIGHTS, n)
    age_days = np.clip(rng.lognormal(np.log(5.5 * 365), 0.8, size=n), 60, 35 * 365).astype(np.int64)
    registered_on = today - age_days * DAY
    young = registered_on >= np.datetime64("2015-10-01")
    uscc = uscc_codes(rng, prefixes, region, young)

    capital = np.round(rng.lognormal(np.log(1_000_000), 1.2, size=n), -3)
    capital = np.where(kind == "sole_proprietor", np.round(rng.lognormal(np.log(50_000), 0.9, size=n), -2), capital)
    capital_text = _money(capital).astype(object)
    capital_text[(kind == "sole_proprietor") & (rng.random(n) < 0.4)] = ""

    status = rng.choice(
        np.array(["active", "suspended", "revoked", "deregistered", "moved_out"]),
        size=n,
        p=[0.95, 0.02, 0.015, 0.01, 0.005],
    )
    surname = rng.choice(list(names.SURNAMES), size=n)
    given = np.char.add(
        rng.choice(list(names.GIVEN_NAME_CHARS), size=n),
        np.where(rng.random(n) < 0.7, rng.choice(list(names.GIVEN_NAME_CHARS), size=n), ""),
    )
    person = np.char.add(surname, given)
    births = registered_on - (rng.integers(22, 55, size=n) * 365 + rng.integers(0, 365, size=n)) * DAY
    id_numbers = resident_ids(rng, region, births).astype(object)
    id_numbers[rng.random(n) < 0.1] = ""  # not every registry extract carries the number

    trade = np.char.add(
        rng.choice(list(names.TRADE_NAME_CHARS), size=n), rng.choice(list(names.TRADE_NAME_CHARS), size=n)
    )
    city = _cities(region)
    sections = _sections(industry)
    word = np.empty(n, dtype=object)
    for section, words in names.SECTION_WORDS.items():
        chosen = sections == section
        word[chosen] = rng.choice(words, size=int(chosen.sum()))
    word = word.astype(str)
    suffix = np.select(
        [kind == "company", kind == "sole_proprietor"],
        ["有限公司", rng.choice(names.SOLE_PROPRIETOR_SUFFIXES, size=n)],
        "专业合作社",
    )
    name = np.char.add(np.char.add(np.char.add(city, trade), word), suffix)
    return pd.DataFrame(
        {
            "uscc": uscc,
            "name": name,
            "kind": kind,
            "region": region,
            "industry": industry,
            "registered_on": registered_on.astype(str),
            "registered_capital": capital_text,
            "status": status,
            "legal_representative_name": person,
            "legal_representative_id": id_numbers,
        }
    )


def _cities(regions: np.ndarray) -> np.ndarray:
    names_by_code = {code: _city_name(code) for code in np.unique(regions)}
    return pd.Series(regions).map(names_by_code).to_numpy().astype(str)


def _sections(industries: np.ndarray) -> np.ndarray:
    by_code = {code: DIVISIONS[code].section for code in np.unique(industries)}
    return pd.Series(industries).map(by_code).to_numpy().astype(str)


def _city_name(county: str) -> str:
    prefecture = REGIONS.get(county[:4] + "00", "")
    if not prefecture or prefecture in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        prefecture = REGIONS.get(county[:2] + "0000", "")
    for ending in ("市", "地区", "盟", "省", "自治州", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"):
        if prefecture.endswith(ending) and len(prefecture) > len(ending) + 1:
            return prefecture[: -len(ending)]
    return prefecture


def _years_active(firms: pd.DataFrame, today: np.datetime64, first_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(firm index, year) for each full calendar year a firm existed, from first_year on."""
    registered_year = pd.to_datetime(firms["registered_on"]).dt.year.to_numpy()
    last_year = int(str(today)[:4]) - 1
    start = np.maximum(registered_year, first_year)
    counts = np.clip(last_year - start + 1, 0, None)
    firm = np.repeat(np.arange(len(firms)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return firm, start[firm] + offset


def _money(values: np.ndarray) -> np.ndarray:
    """Yuan with two decimals as text, built from whole cents with NumPy's string ufuncs (no per-value Python)."""
    cents = np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)
    fraction = np.strings.zfill((cents % 100).astype(str), 2)
    return np.strings.add(np.strings.add((cents // 100).astype(str), "."), fraction)


def _tax(rng, firms: pd.DataFrame, quality: np.ndarray, today: np.datetime64) -> pd.DataFrame:
    filer = (firms["kind"].to_numpy() != "sole_proprietor") | (rng.random(len(firms)) < 0.6)
    firm, year = _years_active(firms, today, int(str(today)[:4]) - 6)
    keep = filer[firm]
    firm, year = firm[keep], year[keep]
    rated_on = (year + 1).astype(str).astype(object) + "-04-" + rng.integers(10, 29, size=len(year)).astype(str)
    rated_on = rated_on.astype("datetime64[D]")
    published = rated_on <= today
    firm, year, rated_on = firm[published], year[published], rated_on[published]
    n = len(firm)
    yearly = quality[firm] + 0.45 * rng.standard_normal(n)
    registered = pd.to_datetime(firms["registered_on"]).to_numpy().astype("datetime64[D]")[firm]
    first_full_year = registered > (year - 1).astype(str).astype("datetime64[Y]").astype("datetime64[D]")
    rating = np.select([yearly > 1.0, yearly > -0.6, yearly > -1.6], ["A", "B", "C"], "D")
    rating = np.where(first_full_year, "M", rating)
    size = np.log(
        np.clip(pd.to_numeric(firms["registered_capital"], errors="coerce").fillna(50_000).to_numpy(), 10_000, None)
    )[firm]
    revenue = np.exp(size * 0.85 + 1.6 + 0.3 * quality[firm] + 0.35 * rng.standard_normal(n))
    tax_paid = revenue * rng.uniform(0.01, 0.06, size=n) * np.clip(1 + 0.15 * yearly, 0.3, 1.4)
    arrears = np.where(yearly < -1.2, tax_paid * rng.uniform(0.1, 0.8, size=n), 0.0)
    return pd.DataFrame(
        {
            "uscc": firms["uscc"].to_numpy()[firm],
            "record_id": np.char.add(
                np.char.add(firms["uscc"].to_numpy()[firm].astype(str), "-TAX-"), year.astype(str)
            ),
            "tax_year": year,
            "rating": rating,
            "rated_on": rated_on.astype(str),
            "tax_paid": _money(tax_paid),
            "declared_revenue": _money(revenue),
            "arrears": _money(arrears),
            "source": "tax.provincial",
        }
    )


def _customs(rng, firms: pd.DataFrame, quality: np.ndarray, today: np.datetime64) -> pd.DataFrame:
    sections = _sections(firms["industry"].to_numpy())
    trade_chance = np.where(np.isin(sections, ["C", "F"]), 0.16, 0.02)
    trader = (rng.random(len(firms)) < trade_chance) & (firms["kind"].to_numpy() == "company")
    firm, year = _years_active(firms, today, int(str(today)[:4]) - 5)
    keep = trader[firm]
    firm, year = firm[keep], year[keep]
    n = len(firm)
    q = quality[firm]
    credit_class = np.where(
        (q > 1.3) & (rng.random(n) < 0.25),
        "advanced_certified",
        np.where((q < -2.0) & (rng.random(n) < 0.3), "dishonest", "registered"),
    )
    scale = np.exp(rng.normal(np.log(3_000_000), 1.3, size=len(firms)))[firm]
    exports = scale * np.exp(0.3 * rng.standard_normal(n)) * (rng.random(n) < 0.85)
    imports = scale * rng.uniform(0.05, 0.8, size=n) * (rng.random(n) < 0.6)
    violations = rng.poisson(0.08 * np.exp(-0.7 * q))
    reported_on = (year + 1).astype(str).astype("datetime64[D]") + rng.integers(20, 60, size=n) * DAY
    published = reported_on <= today
    return pd.DataFrame(
        {
            "uscc": firms["uscc"].to_numpy()[firm],
            "record_id": np.char.add(
                np.char.add(firms["uscc"].to_numpy()[firm].astype(str), "-CUS-"), year.astype(str)
            ),
            "year": year,
            "reported_on": reported_on.astype(str),
            "credit_class": credit_class,
            "import_value": _money(imports),
            "export_value": _money(exports),
            "violations": violations,
            "source": "customs.gacc",
        }
    )[published]


BANK_CODES = ("HXB", "JNB", "DYR", "ZSC", "XYB", "HBR", "YTB", "CJB", "BHB", "TFB")


def _bank(rng, firms: pd.DataFrame, quality: np.ndarray, leverage: np.ndarray, today: np.datetime64) -> pd.DataFrame:
    n_firms = len(firms)
    relationships = np.where(rng.random(n_firms) < 0.6, rng.integers(1, 4, size=n_firms), 0)
    firm = np.repeat(np.arange(n_firms), relationships)
    bank = rng.integers(0, len(BANK_CODES), size=len(firm))
    # One snapshot a year-end for the last three years, and the latest quarter end.
    year_end = int(str(today)[:4]) - 1
    snapshot_dates = np.array(
        [f"{year_end - 2}-12-31", f"{year_end - 1}-12-31", f"{year_end}-12-31"], dtype="datetime64[D]"
    )
    firm = np.repeat(firm, 3)
    bank = np.repeat(bank, 3)
    as_of = np.tile(snapshot_dates, len(firm) // 3)
    registered = pd.to_datetime(firms["registered_on"]).to_numpy().astype("datetime64[D]")[firm]
    alive = registered < as_of
    firm, bank, as_of = firm[alive], bank[alive], as_of[alive]
    n = len(firm)
    q = quality[firm] + 0.4 * rng.standard_normal(n)
    limit = np.round(np.exp(rng.normal(np.log(800_000), 0.9, size=n)), -3)
    utilisation = np.clip(1 / (1 + np.exp(1.2 * q - 0.9 * leverage[firm])) + 0.12 * rng.standard_normal(n), 0, 1)
    overdue_chance = 1 / (1 + np.exp(2.6 + 1.6 * q))
    overdue = rng.random(n) < overdue_chance
    overdue_days = np.where(
        overdue, rng.choice(np.array([3, 12, 35, 65, 95, 180]), size=n, p=[0.35, 0.25, 0.18, 0.1, 0.07, 0.05]), 0
    )
    loans = rng.integers(1, 4, size=n)
    late = np.where(overdue, rng.integers(1, 4, size=n), rng.poisson(0.05, size=n))
    turnover = limit * np.exp(rng.normal(1.2 + 0.2 * q, 0.5))
    dedupe = pd.DataFrame({"firm": firm, "bank": bank, "as_of": as_of}).duplicated().to_numpy()
    uscc = firms["uscc"].to_numpy()[firm].astype(str)
    codes = np.array(BANK_CODES)[bank]
    frame = pd.DataFrame(
        {
            "uscc": uscc,
            "record_id": np.char.add(np.char.add(np.char.add(codes, "-"), uscc), np.char.add("-", as_of.astype(str))),
            "reporting_bank": codes,
            "as_of": as_of.astype(str),
            "outstanding_balance": _money(limit * utilisation),
            "credit_limit": _money(limit),
            "max_overdue_days": overdue_days,
            "deposit_turnover": _money(turnover),
            "repayments_on_time": np.clip(loans * 12 - late, 0, None),
            "repayments_late": late,
            "source": "bank.shared",
        }
    )
    return frame[~dedupe]


def _public_credit(rng, firms: pd.DataFrame, quality: np.ndarray, today: np.datetime64) -> pd.DataFrame:
    n_firms = len(firms)
    registered = pd.to_datetime(firms["registered_on"]).to_numpy().astype("datetime64[D]")
    horizon = np.minimum((today - registered) // DAY, 6 * 365)
    kinds = {
        "administrative_licence": rng.poisson(0.5, size=n_firms),
        "administrative_penalty": rng.poisson(0.12 * np.exp(-0.7 * quality)),
        "dishonest_judgment_debtor": (rng.random(n_firms) < 1 / (1 + np.exp(4.6 + 1.5 * quality))).astype(int),
        "serious_dishonesty_list": (rng.random(n_firms) < 1 / (1 + np.exp(6.2 + 1.5 * quality))).astype(int),
        "abnormal_operation_list": (rng.random(n_firms) < 1 / (1 + np.exp(3.2 + 0.8 * quality))).astype(int),
        "credit_commitment": (rng.random(n_firms) < 0.2).astype(int),
        "commendation": (rng.random(n_firms) < 1 / (1 + np.exp(4.0 - 1.2 * quality))).astype(int),
    }
    frames = []
    for kind, counts in kinds.items():
        firm = np.repeat(np.arange(n_firms), counts)
        n = len(firm)
        decision = today - (rng.random(n) * horizon[firm]).astype(np.int64) * DAY
        severity = np.full(n, "", dtype="<U8")
        end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        repaired = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        fine = np.full(n, "", dtype=object)
        if kind == "administrative_penalty":
            severity = rng.choice(np.array(["minor", "ordinary", "serious"]), size=n, p=[0.6, 0.32, 0.08])
            fine = _money(np.round(rng.lognormal(np.log(5000), 1.0, size=n), -2)).astype(object)
            # Credit repair after the minimum publication period: 3 months minor, 1 year ordinary, 3 years serious.
            period = np.select([severity == "minor", severity == "ordinary"], [90, 365], 3 * 365)
            eligible = decision + period * DAY <= today
            repaired_now = eligible & (rng.random(n) < np.where(severity == "serious", 0.2, 0.55))
            repaired = np.where(repaired_now, decision + (period + rng.integers(0, 120, size=n)) * DAY, repaired)
            repaired = np.where(repaired > today, today, repaired)
        elif kind in ("dishonest_judgment_debtor", "abnormal_operation_list", "serious_dishonesty_list"):
            lifted = rng.random(n) < (0.5 if kind == "abnormal_operation_list" else 0.35)
            end = np.where(lifted, decision + rng.integers(30, 720, size=n) * DAY, end)
            end = np.where(end > today, np.datetime64("NaT"), end)
        elif kind == "administrative_licence":
            end = decision + 5 * 365 * DAY
            end = np.where(end > today, np.datetime64("NaT"), end)
        elif kind == "credit_commitment":
            breached = rng.random(n) < 1 / (1 + np.exp(2.5 + 1.2 * quality[firm]))
            frames.append(_public_frame(rng, firms, firm[breached], "commitment_breach", decision[breached], today))
        frames.append(
            pd.DataFrame(
                {
                    "uscc": firms["uscc"].to_numpy()[firm],
                    "kind": kind,
                    "severity": severity,
                    "authority": _authorities(rng, firms, firm, kind),
                    "title": rng.choice(names.TITLES_BY_KIND[kind], size=n),
                    "decision_date": decision.astype(str),
                    "end_date": _dates(end),
                    "repaired_on": _dates(repaired),
                    "fine_amount": fine,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(1, "record_id", [f"PC-{index:09d}" for index in range(len(frame))])
    frame["source"] = "credit.national_platform"
    return frame


def _public_frame(rng, firms, firm, kind, after, today) -> pd.DataFrame:
    n = len(firm)
    gap = np.maximum((today - after) // DAY, 1)
    decision = after + (rng.random(n) * gap).astype(np.int64) * DAY
    return pd.DataFrame(
        {
            "uscc": firms["uscc"].to_numpy()[firm],
            "kind": kind,
            "severity": "",
            "authority": _authorities(rng, firms, firm, kind),
            "title": rng.choice(names.TITLES_BY_KIND[kind], size=n),
            "decision_date": decision.astype(str),
            "end_date": "",
            "repaired_on": "",
            "fine_amount": "",
        }
    )


def _authorities(rng, firms, firm, kind) -> np.ndarray:
    city = _cities(firms["region"].to_numpy()[firm]).astype(object)
    return city + rng.choice(names.AUTHORITIES_BY_KIND[kind], size=len(firm))


def _dates(values: np.ndarray) -> np.ndarray:
    text = values.astype(str).astype(object)
    text[np.isnat(values)] = ""
    return text
