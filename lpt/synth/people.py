"""Synthetic people: demographics drawn from the census of their LSOA, fake names and contacts.

Names come from Faker's locale name lists (a kept library), chosen to fit the
person's ethnic group and first language. Contact details can never reach a
real person: e-mail addresses use the reserved ``example.*`` domains (RFC 2606)
and telephone numbers Ofcom's ranges reserved for drama.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from faker import Faker

from lpt.synth.calibration import Calibration
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS

__all__ = ["draw_people", "RELIGIONS", "LANGUAGES"]

#: Religion given ethnic group: rough England and Wales 2021 proportions (census TS031 by ethnic group).
RELIGIONS: dict[str, dict[str, float]] = {
    "White": {"Christian": 0.50, "No religion": 0.44, "Other": 0.03, "Jewish": 0.01, "Buddhist": 0.02},
    "Asian": {"Muslim": 0.53, "Hindu": 0.22, "Sikh": 0.09, "Christian": 0.07, "No religion": 0.07, "Buddhist": 0.02},
    "Black": {"Christian": 0.67, "Muslim": 0.17, "No religion": 0.13, "Other": 0.03},
    "Mixed": {"Christian": 0.36, "No religion": 0.45, "Muslim": 0.13, "Other": 0.06},
    "Other": {"Muslim": 0.41, "Christian": 0.23, "No religion": 0.22, "Other": 0.14},
}
#: First language given ethnic group (assumed, shaped on census TS024 main language).
LANGUAGES: dict[str, dict[str, float]] = {
    "White": {"English": 0.93, "Polish": 0.04, "Romanian": 0.02, "Lithuanian": 0.01},
    "Asian": {"English": 0.62, "Urdu": 0.12, "Bengali": 0.08, "Punjabi": 0.08, "Gujarati": 0.05, "Tamil": 0.05},
    "Black": {"English": 0.78, "Somali": 0.08, "Tigrinya": 0.06, "French": 0.08},
    "Mixed": {"English": 0.95, "Arabic": 0.05},
    "Other": {"Arabic": 0.35, "Kurdish": 0.25, "English": 0.30, "Turkish": 0.10},
}
#: Faker locale whose names fit a (first language or ethnic group); English speakers by ethnic group.
_NAME_LOCALES = {
    "Polish": "pl_PL", "Romanian": "ro_RO", "Lithuanian": "lt_LT", "Turkish": "tr_TR", "Kurdish": "tr_TR",
    "Asian": "en_PK", "Black": "en_NG", "Other": "tr_TR", "White": "en_GB", "Mixed": "en_GB",
}
_POOL = 400
_MOBILE_DRAMA = [f"07700 900{n:03d}" for n in range(1000)]
_LANDLINE_DRAMA = [f"01632 960{n:03d}" for n in range(1000)] + [f"0113 496 0{n:03d}" for n in range(1000)]


def draw_people(lsoas: pd.Series, calibration: Calibration, rng: np.random.Generator) -> pd.DataFrame:
    """One adult per entry of ``lsoas`` (LSOA 2021 codes).

    Columns: ``age_band``, ``sex`` (Female, Male), ``ethnic_group``,
    ``religion``, ``first_language``, ``first_name``, ``last_name``,
    ``email``, ``phone``. Nothing is blank here: leaving answers out is the
    member generator's business.
    """
    n = len(lsoas)
    people = pd.DataFrame(index=range(n))
    people["age_band"] = _draw_rows(calibration.age.loc[lsoas.to_numpy()].to_numpy(), AGE_BANDS, rng)
    people["sex"] = np.where(rng.random(n) < 0.51, "Female", "Male")
    people["ethnic_group"] = _draw_rows(calibration.ethnicity.loc[lsoas.to_numpy()].to_numpy(), ETHNIC_GROUPS, rng)
    people["religion"] = _draw_given(people["ethnic_group"], RELIGIONS, rng)
    people["first_language"] = _draw_given(people["ethnic_group"], LANGUAGES, rng)
    locale = people["first_language"].map(_NAME_LOCALES).fillna(people["ethnic_group"].map(_NAME_LOCALES))
    people["first_name"], people["last_name"] = _names(locale, people["sex"], rng)
    people["email"] = _emails(people["first_name"], people["last_name"], rng)
    people["phone"] = np.where(rng.random(n) < 0.7, rng.choice(_MOBILE_DRAMA, n), rng.choice(_LANDLINE_DRAMA, n))
    return people


def _draw_rows(shares: np.ndarray, labels: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """One label per row of ``shares`` (rows sum to 1), by inverse CDF."""
    cumulative = shares.cumsum(axis=1)
    picks = (rng.random(len(shares))[:, None] > cumulative[:, :-1]).sum(axis=1)
    return np.asarray(labels)[picks]


def _draw_given(groups: pd.Series, table: dict[str, dict[str, float]], rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(groups), dtype=object)
    for group, rows in groups.groupby(groups).indices.items():
        options = table[group]
        p = np.array(list(options.values()))
        out[rows] = rng.choice(list(options), len(rows), p=p / p.sum())
    return out


def _names(locale: pd.Series, sex: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    first = np.empty(len(locale), dtype=object)
    last = np.empty(len(locale), dtype=object)
    for name, rows in locale.groupby(locale).indices.items():
        fake = Faker(name)
        fake.seed_instance(int(rng.integers(2**31)))
        pools = {
            "Female": [_latin(fake.first_name_female()) for _ in range(_POOL)],
            "Male": [_latin(fake.first_name_male()) for _ in range(_POOL)],
        }
        surnames = [_latin(fake.last_name()) for _ in range(_POOL)]
        for s, pool in pools.items():
            chosen = rows[sex.to_numpy()[rows] == s]
            first[chosen] = rng.choice(pool, len(chosen))
        last[rows] = rng.choice(surnames, len(rows))
    return first, last


def _latin(text: str) -> str:
    """Latin letters only (Faker's Polish or Turkish diacritics folded), as UK systems often store them."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded or text


def _emails(first: pd.Series, last: pd.Series, rng: np.random.Generator) -> np.ndarray:
    number = rng.integers(1, 100, len(first))
    domain = rng.choice(["example.com", "example.org", "example.net"], len(first))
    local = (first.str.lower() + "." + last.str.lower()).str.replace(r"[^a-z.]", "", regex=True)
    return (local + number.astype(str) + "@" + domain).to_numpy()
