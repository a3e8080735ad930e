"""PrestaShop Webservice client: auth, JSON reads with paging, XML writes, error mapping.

* Auth: HTTP Basic, the 32-character webservice key as user name and an empty password, set on
  ``ctx.session`` (so image downloads by the core through that session authenticate too). Never
  ``ws_key`` in the URL: it would end up in access logs.
* Reads: ``output_format=JSON``, ``display=full`` (or a field list), ``sort=[id_ASC]``,
  ``limit=offset,count``; an empty list may come back as ``[]`` instead of ``{"products": []}``.
* Writes: XML bodies (the Webservice parses input with SimpleXMLElement only). PATCH on 8.x+
  (only the fields sent change); PUT elsewhere, with the whole object read first because PUT sets
  every optional field missing from the XML to NULL. Replies are parsed with defusedxml.
* Errors: PrestaShop's ``{"errors": [{code, message}]}`` / ``<errors><error>`` bodies become the
  exception message; 401/403 → AuthenticationError; 503 with code 22 (webservice disabled) →
  StoreUnavailableError; 429/5xx that outlived the session's retries (the hub's one retry
  layer, waiting through ``ctx.sleep``) → TransientError (``hub.toolkit.raise_for_status``).
"""

import json
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hub.errors import (
    ConfigurationError,
    StoreRejected,
    StoreUnavailableError,
    TransientError,
)
from hub.toolkit import PageStream, RowStream, body_excerpt, offset_pages, raise_for_status, send

DEFAULT_PAGE_SIZE = 500
READ_CHUNK = 1 << 20
ID_CHUNK = 100  # ids per ``filter[id]=[a|b|…]`` request (keeps URLs short)
XLINK = "http://www.w3.org/1999/xlink"
METHODS = ("get", "put", "post", "patch", "delete", "head")


class PrestaShopClient:
    def __init__(self, ctx):
        key = ctx.secret("api_key")
        if not key:
            raise ConfigurationError(
                "The PrestaShop webservice key (api_key) is not set",
                hint="Create a key in Advanced Parameters › Webservice and "
                "paste it into the integration's settings.",
            )
        if not ctx.base_url:
            raise ConfigurationError("The store URL is not set")
        self.ctx = ctx
        self.base_url = ctx.base_url.rstrip("/")
        self.api = self.base_url + "/api"
        self.session = ctx.session
        self.session.auth = (key.strip(), "")
        self.page_size = int(ctx.setting("page_size", DEFAULT_PAGE_SIZE))
        shop_id = ctx.setting("shop_id")
        self.shop_params = {"id_shop": str(shop_id)} if shop_id else {}

    # -- transport ---------------------------------------------------------------------------

    @property
    def version(self):
        return self.ctx.cache.get(("prestashop", self.base_url, "version"))

    def _send(
        self, method, path, *, params=None, data=None, headers=None, stream=False, once=False
    ):
        """One request; ``once``: through ``ctx.session_once``, which never re-sends a request
        the store may have received (for writes that are not idempotent)."""
        url = f"{self.api}/{path}" if path else self.api + "/"
        session = self._once_session() if once else self.session
        response = send(
            session,
            method,
            url,
            store=f"the PrestaShop store at {self.base_url}",
            what=f"{method} /api/{path}",
            hint="Check the store URL and that the shop is online; the feed will be retried.",
            params=params,
            data=data,
            headers=headers,
            stream=stream,
        )
        version = response.headers.get("PSWS-Version")
        if version:
            self.ctx.cache[("prestashop", self.base_url, "version")] = version
        return response

    def _check(self, response, method, path):
        status = response.status_code
        if status < 300:
            return response
        if status == 503 and any(code == 22 for code, _ in store_errors(response)):
            raise StoreUnavailableError(
                f"The PrestaShop webservice is disabled: {describe_errors(response)}",
                status=status,
                hint="Enable it in Advanced Parameters › Webservice.",
            )
        raise_for_status(
            response,
            f"{method} /api/{path}",
            store="PrestaShop",
            detail=describe_errors,
            hints={
                401: "Check the webservice key in Advanced Parameters › Webservice: it must be "
                "active, 32 characters long, and have the permissions the connector needs "
                "(see the connector's README).",
                403: "The key is not allowed on this shop (multistore): tick the shop on the key.",
                405: "Give the webservice key this permission in Advanced Parameters › Webservice.",
            },
        )
        return response

    # -- reads -------------------------------------------------------------------------------

    def get_json(self, path, params=None):
        """GET a JSON document; None on 404 (PrestaShop answers an unknown id with 404)."""
        query = {"output_format": "JSON", **self.shop_params, **(params or {})}
        response = self._send("GET", path, params=query, stream=True)
        if response.status_code == 404:
            response.close()
            return None
        self._check(response, "GET", path)
        # read the body in large chunks: fewer GIL hand-offs while a prefetch thread reads
        # and the caller maps (requests' default is 10 kB)
        content = b"".join(response.iter_content(READ_CHUNK))
        try:
            return json.loads(content)
        except ValueError:
            snippet = content[:120].decode("utf-8", "replace").replace("\n", " ")
            raise TransientError(
                f"PrestaShop returned a malformed JSON body for GET /api/{path} "
                f"(starts with {snippet!r})",
                hint="A PHP notice or a module printed output before the Webservice answer; "
                "turn off display_errors on the store if this persists.",
            ) from None

    def list_rows(self, resource, params):
        data = self.get_json(resource, params)
        if not data:  # ``[]``: PrestaShop's JSON for an empty filtered list
            return []
        if isinstance(data, dict):
            rows = data.get(resource)
            if rows is None and "errors" in data:
                raise StoreRejected(
                    f"PrestaShop answered GET /api/{resource} with errors: "
                    + format_errors(_json_errors(data))
                )
            if isinstance(rows, dict):  # a single object under the list key
                return [rows]
            return rows or []
        raise TransientError(
            f"PrestaShop returned an unexpected JSON shape for GET /api/"
            f"{resource}: {type(data).__name__}"
        )

    def pages(
        self,
        resource,
        *,
        display="full",
        filters=None,
        sort="[id_ASC]",
        date=False,
        page_size=None,
        prefetch=0,
        pool=None,
        keep=None,
    ):
        """Yield the rows of ``resource`` page by page (``limit=offset,count``).

        ``prefetch=n``: keep n pages requested ahead by a background thread (``pool``, or one
        of its own) while the caller maps the current page; errors are raised in the caller.
        ``keep``: the only keys kept of each row, dropped in the background thread (memory)."""
        size = page_size or self.page_size

        def fetch(offset):
            params = {
                "display": display,
                "sort": sort,
                "limit": f"{offset},{size}",
                **(filters or {}),
            }
            if date:
                params["date"] = "1"
            rows = self.list_rows(resource, params)
            if keep:
                rows = [{k: row[k] for k in keep if k in row} for row in rows]
            return rows

        if prefetch:
            return PageStream(fetch, size, prefetch, pool, name="prestashop-prefetch")
        return offset_pages(fetch, size)

    def rows(self, resource, **kwargs):
        for page in self.pages(resource, **kwargs):
            yield from page

    def stream(self, resource, *, pool=None, prefetch=2, **kwargs):
        """The rows of ``resource``, with ``prefetch`` pages requested ahead from now on."""
        return RowStream(self.pages(resource, prefetch=prefetch, pool=pool, **kwargs))

    def by_values(self, resource, field, values, *, display="full", extra=None):
        """Rows whose ``field`` is one of ``values`` (``filter[field]=[a|b|…]``), by chunks."""
        values = sorted({str(v) for v in values if str(v) not in ("", "0")}, key=_int_or_str)
        found = []
        for start in range(0, len(values), ID_CHUNK):
            chunk = values[start : start + ID_CHUNK]
            params = {
                "display": display,
                "sort": "[id_ASC]",
                f"filter[{field}]": "[" + "|".join(chunk) + "]",
                **(extra or {}),
            }
            if field != "id":  # several rows per value: page through them
                found.extend(
                    self.rows(
                        resource,
                        display=display,
                        sort="[id_ASC]",
                        filters={f"filter[{field}]": params[f"filter[{field}]"], **(extra or {})},
                    )
                )
            else:
                found.extend(self.list_rows(resource, params))
        return found

    def get_full(self, resource, obj_id):
        """One object with every field (list form: the single-object JSON drops falsy fields)."""
        rows = self.list_rows(resource, {"display": "full", "filter[id]": f"[{obj_id}]"})
        return rows[0] if rows else None

    def resources(self):
        """``GET /api/`` (XML: its JSON crashes on PHP 8): {resource: {methods}}, shop name."""
        response = self._check(self._send("GET", "", params=dict(self.shop_params)), "GET", "")
        root = parse_xml(response.content, "GET /api/")
        api = root.find("api")
        if api is None:
            raise StoreRejected(
                "GET /api/ did not return the Webservice resource list",
                hint="Check the store URL: it must be the shop's root URL, "
                "with URL rewriting enabled for /api/.",
            )
        permissions = {}
        for node in api:
            permissions[node.tag] = {m.upper() for m in METHODS if node.get(m) == "true"}
        return permissions, api.get("shopName") or api.get("shop_name")

    # -- writes ------------------------------------------------------------------------------

    def write_method(self):
        chosen = (self.ctx.setting("write_method") or "auto").lower()
        if chosen in ("patch", "put"):
            return chosen.upper()
        if self.ctx.cache.get(("prestashop", self.base_url, "no_patch")):
            return "PUT"
        version = self.version or ""
        major = version.split(".")[0]
        return "PATCH" if major.isdigit() and int(major) >= 8 else "PUT"

    def update(self, resource, singular, obj_id, changes, *, current=None):
        """Change ``changes`` on one object: PATCH (8.x+) or GET + PUT of the whole object.

        Returns the object as the store saved it (parsed from its XML answer)."""
        path = f"{resource}/{obj_id}"
        if self.write_method() == "PATCH":
            body = to_xml(singular, {"id": obj_id, **changes})
            response = self._send("PATCH", path, data=body, headers={"Content-Type": "text/xml"})
            if response.status_code != 405 or self.ctx.setting("write_method") == "patch":
                self._check(response, "PATCH", path)
                return parse_entity(response.content, singular, f"PATCH /api/{path}")
            # a 1.7 store without PATCH: remember and fall back to PUT
            self.ctx.cache[("prestashop", self.base_url, "no_patch")] = True
        if current is None:
            current = self.get_full(resource, obj_id)
            if current is None:
                raise StoreRejected(f"PrestaShop has no {singular} {obj_id} any more")
        whole = {k: v for k, v in current.items() if k != "associations"}
        whole.update(changes)
        whole["id"] = obj_id
        response = self._send(
            "PUT", path, data=to_xml(singular, whole), headers={"Content-Type": "text/xml"}
        )
        self._check(response, "PUT", path)
        return parse_entity(response.content, singular, f"PUT /api/{path}")

    def _once_session(self):
        session = getattr(self.ctx, "session_once", None) or self.session
        session.auth = self.session.auth
        return session

    def create(self, resource, singular, fields, params=None):
        """POST one object (not idempotent: sent once, never re-sent by the session)."""
        response = self._send(
            "POST",
            resource,
            data=to_xml(singular, fields),
            params=params,
            headers={"Content-Type": "text/xml"},
            once=True,
        )
        self._check(response, "POST", resource)
        return parse_entity(response.content, singular, f"POST /api/{resource}")


# -- XML ---------------------------------------------------------------------------------------


def to_xml(singular, fields):
    """``<prestashop><singular><field>value</field>…</singular></prestashop>`` as bytes.

    i18n values (JSON ``[{"id": "1", "value": …}]``) become ``<language id="1">``."""
    root = Element("prestashop", {"xmlns:xlink": XLINK})
    node = SubElement(root, singular)
    for name, value in fields.items():
        child = SubElement(node, name)
        if isinstance(value, list):
            for item in value:
                lang = SubElement(child, "language", {"id": str(item.get("id", ""))})
                lang.text = "" if item.get("value") is None else str(item["value"])
        elif isinstance(value, dict):
            for lang_id, text in value.items():
                lang = SubElement(child, "language", {"id": str(lang_id)})
                lang.text = "" if text is None else str(text)
        else:
            child.text = "" if value is None else str(value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def parse_xml(content, what):
    try:
        return SafeET.fromstring(content)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise TransientError(
            f"PrestaShop returned malformed or unsafe XML for {what}: {exc}",
            hint="A PHP notice or a module printed output before the "
            "Webservice answer; turn off display_errors on the store.",
        ) from None


def parse_entity(content, singular, what):
    """The flat fields of ``<prestashop><singular>…`` (CDATA unwrapped by the parser)."""
    root = parse_xml(content, what)
    node = root.find(singular)
    if node is None:
        node = root[0] if len(root) else root
    return {child.tag: (child.text or "").strip() for child in node if len(child) == 0}


# -- errors ------------------------------------------------------------------------------------


def _json_errors(data):
    errors = data.get("errors") if isinstance(data, dict) else None
    out = []
    for item in errors or []:
        if isinstance(item, dict):
            out.append((item.get("code"), str(item.get("message") or "").strip()))
    return out


def store_errors(response):
    """[(code, message)] from a PrestaShop error body, JSON or XML; [] when there is none."""
    content = response.content or b""
    text = content.lstrip()
    if text.startswith((b"{", b"[")):
        try:
            return _json_errors(json.loads(content))
        except ValueError:
            return []
    if text.startswith(b"<"):
        try:
            root = SafeET.fromstring(content)
        except (SafeET.ParseError, DefusedXmlException):
            return []
        out = []
        for error in root.iter("error"):
            code = (error.findtext("code") or "").strip()
            out.append(
                (
                    int(code) if code.isdigit() else code or None,
                    (error.findtext("message") or "").strip(),
                )
            )
        return out
    return []


def format_errors(errors):
    return "; ".join(
        f"[{code}] {message}" if code not in (None, "") else message for code, message in errors
    )[:600]


def describe_errors(response):
    errors = store_errors(response)
    if errors:
        return format_errors(errors)
    return body_excerpt(response)


def _int_or_str(value):
    return (0, int(value), "") if value.isdigit() else (1, 0, value)
