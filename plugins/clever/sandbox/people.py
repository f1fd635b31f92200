"""What a generated Clever district is made of: names, schools, the mix of kinds of people,
and the cheap deterministic draws that pick them. Every value is one Clever's v3.0/v3.1 spec
allows (its grade, race and yes/no enumerations, ``dob`` as M/D/YYYY)."""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

FIRST = (
    "Ada", "Grace", "Alan", "Katherine", "Mae", "Carlos", "Priya", "Wei", "Amara", "Liam",
    "Noah", "Olivia", "Sofia", "Mateo", "Aiyana", "Hiro", "Fatima", "Diego", "Zoe", "Ivan",
    "Nia", "Omar", "Lucia", "Kofi", "Elena", "Ravi", "Maya", "Jonah", "Leila", "Tomas",
)  # fmt: skip
LAST = (
    "Lovelace", "Hopper", "Turing", "Johnson", "Jemison", "Santos", "Patel", "Chen", "Okafor",
    "Murphy", "Garcia", "Nguyen", "Kim", "Haddad", "Rossi", "Yamamoto", "Khan", "Silva",
    "Novak", "Mensah", "Larsen", "Dubois", "Alvarez", "Singh", "Cohen", "Ibrahim", "Walker",
)  # fmt: skip
SCHOOLS = (
    ("Maplewood Elementary School", "Kindergarten", "5"),
    ("Cedar Ridge Middle School", "6", "8"),
    ("Riverside High School", "9", "12"),
    ("Oak Hollow K-8 Academy", "Kindergarten", "8"),
    ("Lakeside Alternative High School", "9", "12"),
)
GRADES = ("Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
RACES = (
    "Caucasian", "Asian", "Black or African American", "American Indian",
    "Hawaiian or Other Pacific Islander", "Two or More Races", "Unknown",
)  # fmt: skip
DISABILITIES = (
    ("sld", "Specific learning disability"),
    ("sli", "Speech or language impairment"),
    ("ohi", "Other health impairment"),
    ("aut", "Autism"),
)
SCHOOL_YEAR_ENDS = 2025  # the class of 2025 is in grade 12 of the sandbox's school year
# Every generated district starts with one person of each kind, then draws the rest.
PRELUDE = (
    "district_admin",
    "teacher+staff",
    "staff",
    "teacher",
    "student_two_schools",
    "student_no_email",
    "contact",
    "district_admin+teacher",
    "teacher_no_email",
    "student",
)
MIX = (
    ("student", 800),
    ("student_two_schools", 20),
    ("student_no_email", 8),
    ("teacher", 80),
    ("teacher_no_email", 1),
    ("staff", 30),
    ("teacher+staff", 10),
    ("district_admin", 3),
    ("district_admin+teacher", 1),
    ("contact", 50),
)
EPOCH = datetime(2024, 8, 1, 7, 0, tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def stamp(minutes: int) -> str:
    """A Clever timestamp ``minutes`` after the sandbox epoch."""
    moment = EPOCH + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def demographics(rng: random.Random) -> dict[str, str]:
    """Student fields of v3.0 that vary but matter to nobody here; drawn once into a small
    pool. Grade, graduation year and date of birth agree with one another."""
    grade = rng.randrange(len(GRADES))  # 0 is Kindergarten
    graduating = SCHOOL_YEAR_ENDS + 12 - grade
    born = graduating - 18 - rng.randrange(2)
    return {
        "grade": GRADES[grade],
        "graduation_year": str(graduating),
        "dob": f"{1 + rng.randrange(12)}/{1 + rng.randrange(28)}/{born}",
        "gender": rng.choice(("F", "M", "X")),
        "ell_status": rng.choice(("Y", "N", "N", "N")),
        "hispanic_ethnicity": rng.choice(("Y", "N")),
        "race": rng.choice(RACES),
    }


def demographics_v31(rng: random.Random) -> dict[str, Any]:
    """The student fields v3.1 adds (v3.0 answers never carry them)."""
    iep = rng.random() < 0.15
    disability: dict[str, str] = {"disability_status": "Y" if iep else "N"}
    if iep:
        code, kind = rng.choice(DISABILITIES)
        disability |= {"disability_code": code, "disability_type": kind}
    return {
        "frl_status": rng.choice(("Free", "Reduced", "Paid")),
        "iep_status": "Y" if iep else "N",
        "section_504_status": rng.choice(("Y", "N", "N", "N", "N")),
        "gifted_status": rng.choice(("Y", "N", "N", "N")),
        "home_language": rng.choice(("English", "Spanish", "Mandarin", "Arabic")),
        "disability": disability,
    }


class Draw:
    """Many small deterministic picks from one random number: generating a 100,000-user
    district takes a moment, not minutes."""

    __slots__ = ("bits",)

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def below(self, n: int) -> int:
        """A number in ``range(n)``."""
        self.bits, value = divmod(self.bits, n)
        return value

    def pick(self, options: Sequence[Any]) -> Any:
        """One of ``options``."""
        return options[self.below(len(options))]
