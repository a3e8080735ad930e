"""Paging for a store emulator: slice a list by page number, by offset, or by cursor, and say
what a store reports beside the page (the total, the number of pages, whether more follow).

The wire shape stays the emulator's: WooCommerce puts ``total`` and ``pages`` in
``X-WP-Total`` / ``X-WP-TotalPages``, Magento ``total`` in ``total_count``, a GraphQL store
``has_next`` in ``pageInfo``. These helpers only do the arithmetic every store repeats.

::

    page = by_number(rows, number=2, size=10)  # page.items, page.total, page.pages
    page = by_offset(rows, offset=20, limit=10)  # PrestaShop's limit=20,10
    page = by_cursor(rows, key=lambda r: (r["updated_at"], r["id"]), first=50, after=cursor)
    page.end_cursor  # what the client sends as ``after`` next
"""

import base64
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
CursorKey = tuple[Any, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of ``total`` items: ``number`` (1-based) of ``pages`` pages of ``size``."""

    items: list[T]
    total: int
    number: int = 1
    size: int | None = None  # None: everything in one page
    start: int = 0  # the index of the page's first item in the whole list

    @property
    def pages(self) -> int:
        """How many pages of ``size`` the list makes (0 for an empty list)."""
        if not self.size:
            return 1 if self.total else 0
        return math.ceil(self.total / self.size)

    @property
    def has_more(self) -> bool:
        """Items follow this page."""
        return self.start + len(self.items) < self.total


def by_number(
    items: Sequence[T],
    number: int = 1,
    size: int | None = None,
    *,
    past_end: Literal["empty", "last"] = "empty",
) -> Page[T]:
    """Page ``number`` (1-based) of ``size`` items (``None`` or 0: all of them).

    A page past the end is empty (``past_end="empty"``: WooCommerce, most REST stores) or the
    last page again (``"last"``: Magento's searchCriteria, magento/magento2 #3787)."""
    total = len(items)
    if not size or size <= 0:
        return Page(list(items), total)
    number = max(number, 1)
    if past_end == "last":
        number = min(number, max(math.ceil(total / size), 1))
    start = (number - 1) * size
    return Page(list(items[start : start + size]), total, number, size, start)


def by_offset(items: Sequence[T], offset: int = 0, limit: int | None = None) -> Page[T]:
    """``limit`` items from index ``offset`` (``None``: all the rest); ``number`` is the page
    the offset falls in when the offset is a multiple of the limit."""
    total = len(items)
    offset = max(offset, 0)
    chosen = items[offset:] if limit is None else items[offset : offset + limit]
    number = offset // limit + 1 if limit else 1
    return Page(list(chosen), total, number, limit, offset)


def encode_cursor(key: CursorKey) -> str:
    """An opaque cursor for a sort key (URL-safe base64 of its JSON)."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str) -> CursorKey:
    """The sort key of a cursor; ``ValueError`` when it is not one (the store's error is the
    emulator's to give)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a cursor: {cursor!r}") from exc
    if not isinstance(key, list):
        raise ValueError(f"not a cursor: {cursor!r}")
    return tuple(key)


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    """A page cut by cursors: its items, whether items lie after / before it, and its key."""

    items: list[T]
    has_next: bool
    has_previous: bool
    key: Callable[[T], CursorKey]

    def cursor_of(self, item: T) -> str:
        return encode_cursor(self.key(item))

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_of(self.items[0]) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_of(self.items[-1]) if self.items else None


def by_cursor(
    items: Sequence[T],
    key: Callable[[T], CursorKey],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
) -> CursorPage[T]:
    """Relay-style paging (GraphQL connections, REST ``page_info`` links): sort by ``key``
    (descending with ``reverse``), keep what lies after ``after`` and before ``before``, then
    the ``first`` n or the ``last`` n of those. Cursors are :func:`encode_cursor` of a key."""
    ordered = sorted(items, key=key, reverse=reverse)
    has_previous = has_next = False
    if after:
        cut = decode_cursor(after)
        kept = [i for i in ordered if (key(i) < cut if reverse else key(i) > cut)]
        has_previous = len(kept) < len(ordered)
        ordered = kept
    if before:
        cut = decode_cursor(before)
        kept = [i for i in ordered if (key(i) > cut if reverse else key(i) < cut)]
        has_next = len(kept) < len(ordered)
        ordered = kept
    if first is not None and len(ordered) > first:
        ordered, has_next = ordered[:first], True
    if last is not None and len(ordered) > last:
        ordered, has_previous = ordered[-last:], True
    return CursorPage(ordered, has_next, has_previous, key)
