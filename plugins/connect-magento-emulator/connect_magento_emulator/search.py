"""searchCriteria and ``fields=`` as Magento's REST layer reads them.

* ``searchCriteria[filter_groups][g][filters][f][field|value|condition_type]``: filters inside
  a group are ORed, groups are ANDed; ``searchCriteria[sortOrders][i][field|direction]``;
  ``searchCriteria[pageSize]``, ``searchCriteria[currentPage]`` (1-based).
* A ``currentPage`` past the last page answers the LAST page again (magento/magento2 #3787,
  #8099, #26986), not an empty list.
* ``fields=items[sku,name,extension_attributes[stock_item[qty]]],total_count`` keeps only the
  named keys (partial responses).
"""

import re
from decimal import Decimal, InvalidOperation

from hub.testing.paging import by_number

_KEY = re.compile(r"\[([^\]]*)\]")


class SearchError(ValueError):
    """A malformed searchCriteria: becomes Magento's 400 body."""

    def __init__(self, message, parameters=None):
        super().__init__(message)
        self.message = message
        self.parameters = parameters


def _listify(node):
    """Dicts keyed "0", "1"... (from the query string) become lists, recursively."""
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def parse_search_criteria(args):  # noqa: C901 - Magento's searchCriteria grammar, one branch per bracketed key
    """``args``: a werkzeug MultiDict (request.args). Returns a normalised dict or None."""
    tree = {}
    found = False
    for raw_key, value in args.items(multi=True):
        if not raw_key.startswith("searchCriteria"):
            continue
        found = True
        keys = _KEY.findall(raw_key[len("searchCriteria") :])
        if not keys:
            continue
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise SearchError('"%fieldName" has an invalid value.', {"fieldName": raw_key})
        node[keys[-1]] = value
    if not found:
        return None
    tree = _listify(tree)
    groups = []
    for group in tree.get("filter_groups") or tree.get("filterGroups") or []:
        filters = []
        for flt in (group or {}).get("filters") or []:
            if not flt.get("field"):
                raise SearchError(
                    '"%fieldName" is required. Enter and try again.', {"fieldName": "field"}
                )
            filters.append(
                {
                    "field": flt["field"],
                    "value": flt.get("value", ""),
                    "condition_type": (
                        flt.get("condition_type") or flt.get("conditionType") or "eq"
                    ),
                }
            )
        if filters:
            groups.append({"filters": filters})
    sorts = []
    for sort in tree.get("sortOrders") or tree.get("sort_orders") or []:
        if sort.get("field"):
            direction = (sort.get("direction") or "ASC").upper()
            sorts.append({"field": sort["field"], "direction": direction})
    criteria = {"filter_groups": groups}
    if sorts:
        criteria["sort_orders"] = sorts
    for name, out in (("pageSize", "page_size"), ("currentPage", "current_page")):
        value = tree.get(name)
        if value not in (None, ""):
            try:
                criteria[out] = int(value)
            except ValueError:
                raise SearchError(
                    '"%fieldName" has an invalid value.', {"fieldName": f"searchCriteria.{name}"}
                ) from None
    return criteria


def _num(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _cmp_pair(actual, wanted):
    """Compare as numbers when both look numeric, else as strings."""
    a, w = _num(actual), _num(wanted)
    if a is not None and w is not None:
        return Decimal(str(a)), w
    return str(actual), str(wanted)


def _like(pattern):
    return re.compile(
        "^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.IGNORECASE | re.DOTALL
    )


def matches(value, condition, wanted):
    cond = condition.lower()
    if cond == "null":
        return value in (None, "")
    if cond == "notnull":
        return value not in (None, "")
    if cond in ("in", "nin"):
        options = {str(v).strip() for v in str(wanted).split(",")}
        hit = value is not None and str(value) in options
        return hit if cond == "in" else not hit
    if cond in ("finset", "nfinset"):
        hit = value is not None and str(wanted) in str(value).split(",")
        return hit if cond == "finset" else not hit
    if cond in ("like", "nlike"):
        hit = value is not None and bool(_like(str(wanted)).match(str(value)))
        return hit if cond == "like" else not hit
    if value is None:
        return cond == "neq"
    a, w = _cmp_pair(value, wanted)
    if cond == "eq":
        return a == w
    if cond == "neq":
        return a != w
    if cond == "gt":
        return a > w
    if cond in ("gteq", "from", "moreq"):
        return a >= w
    if cond == "lt":
        return a < w
    if cond in ("lteq", "to"):
        return a <= w
    raise SearchError('Invalid condition type "%1".', [condition])


def filter_items(items, criteria, getter):
    """Keep items matching every group (AND) where one filter of the group matches (OR)."""
    groups = (criteria or {}).get("filter_groups") or []
    if not groups:
        return list(items)
    out = []
    for item in items:
        if all(
            any(
                matches(getter(item, f["field"]), f["condition_type"], f["value"])
                for f in g["filters"]
            )
            for g in groups
        ):
            out.append(item)
    return out


def _sort_key(value):
    if value is None:
        return (0, 0, "")
    n = _num(value)
    if n is not None and not isinstance(value, str):
        return (1, n, "")
    if isinstance(value, str) and n is not None and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return (1, n, "")
    return (2, 0, str(value))


def sort_items(items, criteria, getter, default=None):
    sorts = (criteria or {}).get("sort_orders") or default or []
    for sort in reversed(sorts):
        items.sort(
            key=lambda it, f=sort["field"]: _sort_key(getter(it, f)),
            reverse=sort["direction"] == "DESC",
        )
    return items


def page(items, criteria):
    """Slice a page the Magento way: a page past the end gives the last page again."""
    criteria = criteria or {}
    sliced = by_number(
        items, criteria.get("current_page") or 1, criteria.get("page_size"), past_end="last"
    )
    return sliced.items, sliced.total


def echo_criteria(criteria):
    """The ``search_criteria`` object of a list response."""
    criteria = criteria or {"filter_groups": []}
    out = {"filter_groups": criteria.get("filter_groups", [])}
    if criteria.get("sort_orders"):
        out["sort_orders"] = criteria["sort_orders"]
    for key in ("page_size", "current_page"):
        if key in criteria:
            out[key] = criteria[key]
    return out


# -- fields= partial responses ---------------------------------------------------------------


def parse_fields(text):
    """``items[id,sku,extension_attributes[a,b]],total_count`` -> nested dict (None = whole)."""
    pos = 0

    def parse_list():
        nonlocal pos
        out = {}
        while pos < len(text):
            match = re.compile(r"\s*([A-Za-z0-9_]+)\s*").match(text, pos)
            if not match:
                raise SearchError('"%fieldName" has an invalid value.', {"fieldName": "fields"})
            name = match.group(1)
            pos = match.end()
            sub = None
            if pos < len(text) and text[pos] == "[":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != "]":
                    raise SearchError('"%fieldName" has an invalid value.', {"fieldName": "fields"})
                pos += 1
            out[name] = sub
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return out

    tree = parse_list()
    if pos != len(text):
        raise SearchError('"%fieldName" has an invalid value.', {"fieldName": "fields"})
    return tree


def apply_fields(data, tree):
    if tree is None:
        return data
    if isinstance(data, list):
        return [apply_fields(item, tree) for item in data]
    if isinstance(data, dict):
        return {k: apply_fields(data[k], sub) for k, sub in tree.items() if k in data}
    return data
