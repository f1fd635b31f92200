"""What a generated Clever district is made of: names, schools, the mix of kinds of people,
and the cheap deterministic draws that pick them."""

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
    ("Maplewood Elementary School", "K", "5"),
    ("Cedar Ridge Middle School", "6", "8"),
    ("Riverside High School", "9", "12"),
    ("Oak Hollow K-8 Academy", "K", "8"),
    ("Lakeside Alternative High School", "9", "12"),
)
GRADES = ("Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
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
    """Student fields that vary but matter to nobody here; drawn once into a small pool."""
    return {
        "grade": rng.choice(GRADES),
        "graduation_year": str(2025 + rng.randrange(13)),
        "dob": f"{2008 + rng.randrange(12)}-0{1 + rng.randrange(9)}-1{rng.randrange(10)}",
        "gender": rng.choice(("F", "M", "X")),
        "ell_status": rng.choice(("Y", "N", "N", "N")),
        "frl_status": rng.choice(("Free", "Reduced", "Paid")),
        "iep_status": rng.choice(("Y", "N", "N")),
        "hispanic_ethnicity": rng.choice(("Y", "N")),
        "race": rng.choice(("Asian", "Black or African American", "White", "Two or More Races")),
        "home_language": rng.choice(("English", "Spanish", "Mandarin", "Arabic")),
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
