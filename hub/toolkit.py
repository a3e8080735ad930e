"""The connector toolkit: what every connector needs and the hub writes once.

* HTTP: :func:`send` (a request through ``ctx.session``; connection failures and timeouts
  become ``TransientError``) and :func:`raise_for_status` (a status and a body become the
  ``hub.errors`` exception the core understands). Retries are the session's, never the
  connector's: see "One retry policy" in docs/writing-a-connector.md.
* Paging: :class:`PageStream` (offset pages requested ahead by a background thread),
  :func:`prefetching` (any iterator of pages, one page fetched ahead), :class:`RowStream`.
* Cursors: :class:`KeysetCursor` ("<time>|<zero-padded id>", sortable as text).
* Push results: :func:`pushed`, :func:`unchanged`, :func:`conflict`, :func:`failed`.
* :func:`chunked` (``itertools.batched`` arrives with Python 3.12; the hub supports 3.11).
* Settings: :func:`truthy`, :func:`notify_customer_setting`.
"""

import contextlib
import re
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from queue import Empty, Queue
from typing import Any, Literal, TypedDict, TypeVar, Unpack

import requests

from hub.errors import AuthenticationError, ConnectorError, StoreRejected, TransientError
from hub.http import redact
from hub.records import ConnectionReportDict, PushResultDict, PushStatus, SettingSpecDict

T = TypeVar("T")

__all__ = [
    "KeysetCursor",
    "PageStream",
    "PushDetails",
    "RowStream",
    "chunked",
    "conflict",
    "failed",
    "json_or_none",
    "notify_customer_setting",
    "prefetching",
    "push_result",
    "pushed",
    "raise_for_status",
    "retry_after",
    "send",
    "truthy",
    "unchanged",
]

# -- HTTP ----------------------------------------------------------------------------------------


def retry_after(response: requests.Response | None) -> float | None:
    """The response's ``Retry-After`` in seconds (a number of seconds only), or None."""
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def json_or_none(response: requests.Response) -> Any:
    """The response's JSON body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def body_excerpt(response: requests.Response, limit: int = 200) -> str:
    """A short, single-line excerpt of a body, for messages that have nothing better."""
    text = re.sub(r"\s+", " ", response.text or "").strip()
    return f"HTTP {response.status_code}" + (
        f" ({text[:limit]})" if text else " with an empty body"
    )


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    store: str,
    what: str | None = None,
    hint: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``session.request(method, url, **kwargs)``; a timeout or a connection failure (what
    outlived the session's own retries) raises ``TransientError`` naming ``store`` and
    ``what`` (e.g. ``"GET /V1/orders"``)."""
    what = what or f"{method} {url}"
    try:
        return session.request(method, url, **kwargs)
    except requests.RequestException as exc:  # a timeout too ("Read timed out.")
        # urllib3 names the URL with its query: an OAuth1 signer's consumer key and signature
        # would be shown on the dashboard and kept in the run's events
        raise TransientError(
            f"Cannot reach {store} ({what}): {type(exc).__name__}: {redact(exc)}", hint=hint
        ) from exc


def raise_for_status(
    response: requests.Response,
    what: str,
    *,
    store: str = "The store",
    detail: Callable[[requests.Response], str] | None = None,
    hints: Mapping[int, str] | None = None,
    not_found: type[ConnectorError] = StoreRejected,
) -> requests.Response:
    """Return ``response`` when its status is below 400; otherwise raise the hub error for it.

    * 401, 403 → ``AuthenticationError`` (the run fails once, "check the credentials");
    * 404 → ``not_found`` (default ``StoreRejected``; ``ConfigurationError`` when a 404 means
      a wrong store URL or API version);
    * 429 and 5xx (what outlived the session's retries) → ``TransientError`` with the
      response's ``Retry-After``;
    * any other 4xx → ``StoreRejected``.

    ``detail(response)`` extracts the store's own message from the body (default: an excerpt
    of the body); ``hints`` maps a status to the hint shown to the merchant. Every exception
    carries ``status``.
    """
    status = response.status_code
    if status < 400:
        return response
    text = (detail or body_excerpt)(response)
    hint = (hints or {}).get(status)
    if status in (401, 403):
        kwargs = {"hint": hint} if hint else {}
        raise AuthenticationError(
            f"{store} refused the credentials on {what} ({status}): {text}",
            status=status,
            **kwargs,
        )
    if status == 404:
        raise not_found(f"{store} answered 404 to {what}: {text}", hint=hint, status=status)
    if status == 429 or status >= 500:
        raise TransientError(
            f"{store} answered {status} to {what}: {text}",
            retry_after=retry_after(response),
            hint=hint,
            status=status,
        )
    raise StoreRejected(f"{store} rejected {what} ({status}): {text}", hint=hint, status=status)


# -- paging --------------------------------------------------------------------------------------


def prefetching(
    pages: Iterable[T], depth: int = 1, name: str = "hub-prefetch"
) -> Generator[T, None, None]:
    """The pages of ``pages`` (any iterator), the next ``depth`` of them fetched by a background
    thread while the caller maps the current one. An error of the iterator is raised in the
    caller; closing the generator stops the thread."""
    queue: Queue[tuple[Literal["page", "error", "done"], Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def worker() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                queue.put(("page", page))
        except BaseException as exc:
            queue.put(("error", exc))
        else:
            queue.put(("done", None))

    thread = threading.Thread(target=worker, name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "error":
                raise value
            if kind == "done":
                return
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # unblock a worker waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get_nowait()
            thread.join(timeout=0.05)


class PageStream:
    """Offset pages ``fetch(offset)`` (a list of rows; fewer than ``size``: the last page),
    ``depth`` of them requested ahead, in order, by a background pool (``pool``, or a
    one-thread pool of its own). The first requests start at creation, so a stream can load
    while the caller reads something else. Iterating yields the non-empty pages; ``close()``
    cancels what is still pending."""

    def __init__(
        self,
        fetch: Callable[[int], list[Any]],
        size: int,
        depth: int = 1,
        pool: Executor | None = None,
        name: str = "hub-prefetch",
    ) -> None:
        self.fetch, self.size = fetch, size
        self.own_pool = pool is None
        self.pool = pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.futures: deque[Future[list[Any]]] = deque()
        self.offset = 0
        for _ in range(max(1, depth)):
            self._submit()

    def _submit(self) -> None:
        self.futures.append(self.pool.submit(self.fetch, self.offset))
        self.offset += self.size

    def __iter__(self) -> Iterator[list[Any]]:
        try:
            while self.futures:
                rows = self.futures.popleft().result()
                last = len(rows) < self.size
                if not last:
                    self._submit()
                if rows:
                    yield rows
                if last:
                    return
        finally:
            self.close()

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        self.futures.clear()
        if self.own_pool:
            self.pool.shutdown(wait=True)


def offset_pages(fetch: Callable[[int], list[T]], size: int) -> Iterator[list[T]]:
    """The pages ``fetch(offset)`` one after the other, without reading ahead."""
    offset = 0
    while True:
        rows = fetch(offset)
        if rows:
            yield rows
        if len(rows) < size:
            return
        offset += size


class RowStream:
    """The rows of an iterable of pages, one by one; ``close()`` stops the background requests
    of a :class:`PageStream`."""

    def __init__(self, pages: Iterable[Iterable[Any]]) -> None:
        self.pages = pages
        self.rows = (row for page in pages for row in page)

    def __iter__(self) -> "RowStream":
        return self

    def __next__(self) -> Any:
        return next(self.rows)

    def close(self) -> None:
        self.rows.close()
        close = getattr(self.pages, "close", None)
        if close is not None:
            close()


def chunked(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last one shorter) of ``iterable``, read lazily."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- cursors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeysetCursor:
    """ "<time>|<id>" cursors that sort as text like the stream they mark: the time as the store
    gives it (ISO-8601, one format per connector) and the id zero-padded to ``width`` digits.
    ``empty_time`` stands for a record without a time (it sorts first). Keep ``width`` once a
    connector has stored cursors: the core compares the cursors it stored with new ones."""

    width: int = 20
    empty_time: str = ""

    def encode(self, time: str | None, ident: int | str | None) -> str:
        return f"{time or self.empty_time}|{int(ident or 0):0{self.width}d}"

    def id_only(self, ident: int | str | None) -> str:
        """A cursor of an id alone (streams sorted by id)."""
        return f"{int(ident or 0):0{self.width}d}"

    @staticmethod
    def decode(cursor: str | None) -> tuple[str | None, int]:
        """(time or None, id) of a cursor; an ISO time alone (the core's ``orders_since``) is
        (time, 0); a bare id is (None, id); None or "" is (None, 0)."""
        if cursor in (None, ""):
            return None, 0
        text = str(cursor).strip()
        stamp, sep, ident = text.partition("|")
        if not sep:
            return (None, int(text)) if text.isdigit() else (text, 0)
        return stamp or None, int(ident) if ident.strip().isdigit() else 0

    @staticmethod
    def time_of(cursor: str | None) -> str | None:
        """The time part of a cursor handed back by the core (or an ISO time), or None."""
        if not cursor:
            return None
        return str(cursor).split("|", 1)[0]

    @staticmethod
    def after(cursor: object, since: object) -> bool:
        """True when ``cursor`` comes after ``since`` (None: everything comes after it)."""
        return not since or str(cursor) > str(since)


# -- push results --------------------------------------------------------------------------------


def push_result(
    key: object,
    status: PushStatus,
    message: str | None = None,
    *,
    hint: str | None = None,
    store_quantity: int | None = None,
    external_id: object = None,
) -> PushResultDict:
    """A ``PushResult`` (hub/records.py): ``key`` the SKU of a stock push or the shipment id."""
    return {
        "key": str(key),
        "status": status,
        "message": message,
        "hint": hint,
        "store_quantity": store_quantity,
        "external_id": None if external_id is None else str(external_id),
    }


class PushDetails(TypedDict, total=False):
    """What a push result may say besides its key, status and message."""

    hint: str | None
    store_quantity: int | None  # the store's value after the write (or the one that won)
    external_id: object  # the store's id of what was written (a shipment's)


def pushed(
    key: object, message: str | None = None, **details: Unpack[PushDetails]
) -> PushResultDict:
    """Written (``store_quantity``: the store's value after the write, when known)."""
    return push_result(key, "ok", message, **details)


def unchanged(
    key: object, message: str | None = None, **details: Unpack[PushDetails]
) -> PushResultDict:
    """The store already had it (Info; counts as success)."""
    return push_result(key, "unchanged", message, **details)


def conflict(key: object, message: str, **details: Unpack[PushDetails]) -> PushResultDict:
    """The store's value moved under the hub (compare-and-swap failed): not overwritten."""
    return push_result(key, "conflict", message, **details)


def failed(key: object, message: str, **details: Unpack[PushDetails]) -> PushResultDict:
    """The store refused this item, or it cannot be pushed (Error, with ``message``/``hint``)."""
    return push_result(key, "error", message, **details)


# -- settings ------------------------------------------------------------------------------------


def connection_failed(
    exc: ConnectorError, details: Mapping[str, Any] | None = None
) -> ConnectionReportDict:
    """The ``ConnectionReport`` of a store that could not be reached or read (``ok`` False,
    the error's message and hint as the problem, what was learnt so far as ``details``).
    Refused credentials are raised as ``AuthenticationError`` instead: the hook's contract."""
    problem = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return {"ok": False, "store_name": None, "details": dict(details or {}), "problems": [problem]}


def truthy(value: object) -> bool:
    """A boolean setting as stored (True, "1", "true", "yes", "on") → bool."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def notify_customer_setting(help: str | None) -> SettingSpecDict:
    """The ``notify_customer`` SettingSpec. The hub reads this setting (whatever the connector)
    and puts it on every ``ShipmentRecord`` as ``notify_customer``: the connector passes that
    flag to the store and never reads the setting itself."""
    return {
        "name": "notify_customer",
        "label": "Email customers when an order ships",
        "type": "boolean",
        "default": False,
        "help": help,
    }
