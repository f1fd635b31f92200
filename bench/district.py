"""A synthetic district: deterministic people for benchmarks and tests, and a provider that
serves them in-process (no network), so a figure measures the engine, not an API.

Person ``i`` is the same on every call for a given seed; :func:`district` can also produce the
roster "a night later" with a given share of people changed, removed and added, chosen by a
fixed permutation so the counts are exact.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from hub import hookimpl
from hub.provider import Provider, ProviderSettings
from hub.roster import ADMIN, STUDENT, TEACHER, Cursor, Item, RosterRecord

FIRST = (
    "Ada Alan Grace Edsger Barbara Donald Frances Ken Radia Tim Margaret John Katherine Dennis "
    "Hedy Claude Shafi Leslie Guido Anita Niklaus Karen Linus Sophie Yukihiro Lynn Bjarne Mary"
).split()
LAST = (
    "Lovelace Turing Hopper Dijkstra Liskov Knuth Allen Thompson Perlman Berners-Lee Hamilton "
    "McCarthy Johnson Ritchie Lamarr Shannon Goldwasser Lamport Rossum Borg Wirth Jones Torvalds "
    "Wilson Matsumoto Conway Stroustrup Shaw"
).split()
_PERMUTE = 1_000_003  # a prime: i -> i * P mod n is a permutation unless n is a multiple of it


def roles_of(i: int) -> frozenset[str]:
    """85% students, 12% teachers, 3% admins (as a provider reports them, before mapping)."""
    slot = (i * 7919) % 100
    if slot < 85:
        return frozenset({STUDENT})
    if slot < 97:
        return frozenset({TEACHER})
    return frozenset({ADMIN})


def person(i: int, *, seed: int = 0, version: int = 0) -> RosterRecord:
    first = FIRST[(i + seed) % len(FIRST)]
    last = LAST[(i * 31 + seed) % len(LAST)]
    if version:
        last = f"{last}-{version}"
    return RosterRecord(
        external_id=f"p{seed}-{i:07d}",
        email=f"{first}.{last.split('-')[0]}.{i}@district{seed}.example".lower(),
        first_name=first,
        last_name=last,
        roles=roles_of(i),
        schools=(f"sch{i % 4}",),
    )


def district(
    people: int,
    *,
    seed: int = 0,
    changed: float = 0.0,
    removed: float = 0.0,
    added: float = 0.0,
) -> Iterator[RosterRecord]:
    """The roster of ``people`` people, or (with fractions) the same roster a night later:
    ``changed`` people have a new last name, ``removed`` are gone, ``added`` are new."""
    n_changed = round(people * changed)
    n_removed = round(people * removed)
    n_added = round(people * added)
    permute = _PERMUTE if people % _PERMUTE else 1
    for i in range(people):
        rank = (i * permute) % people
        if rank < n_changed:
            yield person(i, seed=seed, version=1)
        elif rank < n_changed + n_removed:
            continue
        else:
            yield person(i, seed=seed)
    for i in range(people, people + n_added):
        yield person(i, seed=seed)


_PRELOADED: dict[tuple[int, int, float, float, float], list[RosterRecord]] = {}


def preloaded(
    people: int, *, seed: int = 0, changed: float = 0.0, removed: float = 0.0, added: float = 0.0
) -> list[RosterRecord]:
    """The roster built once per process, so repeated timings measure the engine rather than
    the generator (the benchmark floors start from rows already in memory too)."""
    key = (people, seed, changed, removed, added)
    if key not in _PRELOADED:
        _PRELOADED[key] = list(
            district(people, seed=seed, changed=changed, removed=removed, added=added)
        )
    return _PRELOADED[key]


class DistrictProvider(Provider):
    """Serves :func:`district` as a provider, configured entirely by its settings
    (``preload=true`` serves it from :func:`preloaded`)."""

    name = "district"
    title = "Synthetic district (benchmarks)"

    class Settings(ProviderSettings):
        people: int = Field(1000, ge=0)
        seed: int = 0
        changed: float = Field(0.0, ge=0, le=1)
        removed: float = Field(0.0, ge=0, le=1)
        added: float = Field(0.0, ge=0, le=1)
        preload: bool = False

    def fetch(self) -> Iterator[Item]:
        s = self.settings
        assert isinstance(s, DistrictProvider.Settings)
        make = preloaded if s.preload else district
        yield from make(s.people, seed=s.seed, changed=s.changed, removed=s.removed, added=s.added)
        yield Cursor(f"district-{s.seed}-{s.people}")


class DistrictPlugin:
    """Register with ``make_plugin_manager(extra=[DistrictPlugin()])``."""

    @hookimpl
    def rosterhub_register_providers(self) -> list[type[Provider]]:
        return [DistrictProvider]
