"""Request arguments as WordPress validates them, and collection paging.

Validation follows WP core's ``rest_validate_request_arg`` / ``rest_validate_value_from_schema``
(wp-includes/rest-api.php): every invalid argument is collected into one 400
``rest_invalid_param`` "Invalid parameter(s): a, b" with ``data.params`` (argument → message)
and ``data.details`` (argument → the inner error). Types are strict as in core: a JSON number is
not a ``string`` (so ``"regular_price": 10`` is refused), ``integer`` accepts an integer or a
numeric string of one, ``boolean`` accepts true/false/"true"/"false"/"1"/"0"/1/0.

Collections take ``page`` (≥ 1), ``per_page`` (1–100, default 10; WP_REST_Controller::
get_collection_params), ``offset``, ``order`` (asc|desc, default desc), ``orderby`` (default
date), ``include`` / ``exclude`` (id lists, comma-separated or ``include[]=``), and the date
filters ``after`` / ``before`` / ``modified_after`` / ``modified_before`` with ``dates_are_gmt``.
The response carries ``X-WP-Total`` and ``X-WP-TotalPages`` and a ``Link`` header with
``rel="prev"`` / ``rel="next"`` (WC_REST_CRUD_Controller::get_items); a page past the end is an
empty list, not an error.
"""

import re
from datetime import datetime
from urllib.parse import urlencode

from connect_woocommerce_emulator.store import RestError
from hub.testing.paging import by_offset

#: rest_parse_date()'s pattern for format "date-time" (the offset is optional)
DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::\d{2})?)?$"
)
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")


class Invalid(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Args:
    """One request's arguments (query merged under the JSON body, as ``WP_REST_Request``
    reads them) and the validation errors met while reading them."""

    def __init__(self, query, body=None):
        self.query = query  # werkzeug MultiDict
        self.body = body if isinstance(body, dict) else {}
        self.errors = {}

    def raw(self, name):
        if name in self.body:
            return self.body[name]
        if name in self.query:
            return self.query.get(name)
        if f"{name}[]" in self.query:
            return self.query.getlist(f"{name}[]")
        return None

    def has(self, name):
        return self.raw(name) is not None

    def fail(self, name, code, message):
        self.errors.setdefault(name, (code, message))

    def check(self):
        """Raise the collected ``rest_invalid_param`` error, if any."""
        if not self.errors:
            return
        raise invalid_params(self.errors)

    # -- typed readers --------------------------------------------------------------------

    def integer(self, name, default=None, minimum=None, maximum=None):
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = to_integer(name, value)
            if minimum is not None and maximum is not None and not minimum <= number <= maximum:
                raise Invalid(
                    "rest_out_of_bounds",
                    f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)",
                )
            if minimum is not None and number < minimum:
                raise Invalid(
                    "rest_out_of_bounds", f"{name} must be greater than or equal to {minimum}"
                )
        except Invalid as exc:
            self.fail(name, exc.code, exc.message)
            return default
        return number

    def boolean(self, name, default=False):
        value = self.raw(name)
        if value is None:
            return default
        try:
            return to_boolean(name, value)
        except Invalid as exc:
            self.fail(name, exc.code, exc.message)
            return default

    def enum(self, name, choices, default=None):
        value = self.raw(name)
        if value is None:
            return default
        if value not in choices:
            self.fail(name, "rest_not_in_enum", f"{name} is not one of {wp_list(choices)}.")
            return default
        return value

    def date(self, name):
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, str) or not DATE_TIME.match(value):
            self.fail(name, "rest_invalid_date", "Invalid date.")
            return None
        return value

    def id_list(self, name):
        value = self.raw(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else re.split(r"[\s,]+", str(value))
        out = []
        for item in items:
            if item == "":
                continue
            try:
                out.append(to_integer(f"{name}[{len(out)}]", item))
            except Invalid as exc:
                self.fail(name, exc.code, exc.message)
                return None
        return out

    def text_list(self, name):
        value = self.raw(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(i).strip() for i in items if str(i).strip()]


def to_integer(name, value):
    if isinstance(value, bool):
        raise Invalid("rest_invalid_type", f"{name} is not of type integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise Invalid("rest_invalid_type", f"{name} is not of type integer.")


def to_boolean(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    raise Invalid("rest_invalid_type", f"{name} is not of type boolean.")


def wp_list(items):
    """``wp_sprintf_l``: "a, b, and c"."""
    items = list(items)
    if len(items) < 3:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def invalid_params(errors):
    names = ", ".join(errors)
    return RestError(
        "rest_invalid_param",
        f"Invalid parameter(s): {names}",
        400,
        params={name: message for name, (_code, message) in errors.items()},
        details={
            name: {"code": code, "message": message, "data": None}
            for name, (code, message) in errors.items()
        },
    )


def missing_params(names):
    return RestError(
        "rest_missing_callback_param",
        f"Missing parameter(s): {', '.join(names)}",
        400,
        params=list(names),
    )


def date_bound(raw, tz):
    """The value ``WP_Date_Query::build_mysql_datetime`` compares with the column, as a naive
    datetime: a value without an offset is taken literally (whichever column it is compared
    with); a value with an offset (``Z``, ``+01:00``) is converted to the *site's* time zone
    first — even when ``dates_are_gmt`` makes the column the GMT one. That is WordPress's
    behaviour (WooCommerce issues #14539, #19976, #28111) and the reason a client sends GMT
    times without an offset together with ``dates_are_gmt=true``."""
    text = raw.replace("t", "T").replace(" ", "T").replace("Z", "+00:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value.replace(microsecond=0)


def column(value, tz, gmt):
    """A stored UTC datetime as the naive ``*_gmt`` or site-time column."""
    if gmt:
        return value.replace(tzinfo=None)
    return value.astimezone(tz).replace(tzinfo=None)


def page_of(args, ids, url, query):
    """Slice ``ids`` for ``page`` / ``per_page`` / ``offset``; the paging headers."""
    per_page = args.integer("per_page", 10, 1, 100)
    page = args.integer("page", 1, 1)
    offset = args.integer("offset", None, 0)
    args.check()
    start = offset if offset is not None else (page - 1) * per_page
    # WP_Query: an offset replaces the page in the LIMIT, but found_posts (X-WP-Total) and
    # max_num_pages (X-WP-TotalPages) still count every matching row
    sliced = by_offset(ids, start, per_page)
    chosen, total, pages = sliced.items, sliced.total, sliced.pages
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    base = {k: v for k, v in query.items(multi=True) if k != "page" and not k.startswith("oauth_")}
    if page > 1:
        prev_page = min(page - 1, pages) if pages else 1
        links.append(f'<{url}?{urlencode([*base.items(), ("page", prev_page)])}>; rel="prev"')
    if pages > page:
        links.append(f'<{url}?{urlencode([*base.items(), ("page", page + 1)])}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return chosen, headers
