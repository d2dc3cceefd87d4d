"""Server-side pagination for lists that grow with use: `?page=N` (or another parameter when a
page shows two lists), a stable order from the caller, and one rule for bad page numbers.

A page number that is not a whole number from 1 up (`0`, `-1`, `abc`), or lies past the last
page, answers 404: a link that points nowhere is better told than silently redirected. An empty
list still has its page 1. Rendered by `templates/_pagination.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort, request, url_for
from sqlalchemy import Select, func, select

from quizapp.extensions import db

PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, where it sits, and the links to its neighbours."""

    items: list[Any]
    number: int
    per_page: int
    total: int
    param: str = "page"
    anchor: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """1-based position of the first item shown (0 when the list is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return self.total > 0

    def url(self, number: int) -> str:
        """This page's URL with `param` set to `number`; other query arguments (filters,
        sorting, the other list's page) are kept."""
        args: dict[str, Any] = request.args.to_dict(flat=False)
        args.pop(self.param, None)
        if number > 1:
            args[self.param] = number
        return url_for(
            request.endpoint or "", **(request.view_args or {}), **args, _anchor=self.anchor
        )

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and a few around this one; None marks a
        gap."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def page_number(param: str = "page") -> int:
    """The requested page: 1 when absent; 404 unless a whole number from 1 up."""
    raw = request.args.get(param)
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        abort(404)
    return int(raw)


def _checked(number: int, total: int, per_page: int) -> None:
    if number > 1 and (number - 1) * per_page >= total:
        abort(404)


def paginate_list(
    items: Sequence[Any],
    *,
    param: str = "page",
    per_page: int = PER_PAGE,
    anchor: str | None = None,
) -> Page:
    """A page of a list already loaded (a report's computed table, for instance)."""
    number = page_number(param)
    _checked(number, len(items), per_page)
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), number, per_page, len(items), param, anchor)


def counted_page(
    items: list[Any],
    total: int,
    number: int,
    *,
    param: str = "page",
    per_page: int = PER_PAGE,
    anchor: str | None = None,
) -> Page:
    """A page whose rows the caller has already read for page `number` (of page_number(param))
    out of `total` (a report that pages in SQL); 404 past the last page."""
    _checked(number, total, per_page)
    return Page(list(items), number, per_page, total, param, anchor)


def paginate_query(
    statement: Select,
    *,
    param: str = "page",
    per_page: int = PER_PAGE,
    anchor: str | None = None,
    rows: bool = False,
) -> Page:
    """A page of a SELECT in two queries (a count and a LIMIT/OFFSET), whatever the list's
    length. The statement must have a stable ORDER BY (end it on a unique column). With
    `rows=True` the items are whole rows (for statements selecting several things)."""
    number = page_number(param)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    total = int(total or 0)
    _checked(number, total, per_page)
    result = db.session.execute(statement.limit(per_page).offset((number - 1) * per_page))
    items = list(result.all()) if rows else list(result.scalars().all())
    return Page(items, number, per_page, total, param, anchor)
