"""Pages of 50 through any number of rows, with links that keep the page's other filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PAGE_SIZE = 50


@dataclass(frozen=True)
class Paging:
    page: int
    total: int
    size: int
    link: Callable[[int], str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def url(self, page: int) -> str:
        return self.link(page)


def page_number(raw: int | None) -> int:
    return raw if raw and raw > 0 else 1


def paging(page: int, total: int, link: Callable[[int], str], size: int = PAGE_SIZE) -> Paging:
    """A page past the end shows the last one."""
    last = max(1, -(-total // size))
    return Paging(page=min(max(page, 1), last), total=total, size=size, link=link)
