"""Bulk query operations: validate the query like Shopify does, run it in a background thread
over the shop's objects and write the JSONL result file the way Shopify shapes it (one object
per line, nested connection items on their own lines with ``__parentId``, children right after
their parent).

The writer walks the validated query's AST itself instead of running graphql-core's executor
over the whole catalogue: same resolvers (the model objects), a fraction of the cost, and it
streams to disk so 20,000 variants stay cheap in memory.
"""

import json
import os
import threading

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    parse,
    validate,
)
from graphql.utilities import value_from_ast_untyped

from connect_shopify_emulator.state import gid, iso


def _is_connection(gtype):
    return get_named_type(gtype).name.endswith("Connection")


def _node_selection(selection_set):
    """The selections applied to each node of a connection (``nodes`` or ``edges.node``)."""
    out = []
    for sel in selection_set.selections:
        if not isinstance(sel, FieldNode):
            continue
        if sel.name.value == "nodes" and sel.selection_set:
            out.extend(sel.selection_set.selections)
        elif sel.name.value == "edges" and sel.selection_set:
            for inner in sel.selection_set.selections:
                if (
                    isinstance(inner, FieldNode)
                    and inner.name.value == "node"
                    and inner.selection_set
                ):
                    out.extend(inner.selection_set.selections)
    return out


def check_bulk_query(schema, query):
    """Return (document, None) or (None, message) following Shopify's bulk query rules."""
    try:
        doc = parse(query)
    except Exception as exc:  # graphql syntax error
        return None, f"Invalid bulk query: {exc}"
    errors = validate(schema, doc)
    if errors:
        return None, f"Invalid bulk query: {errors[0].message}"
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if len(ops) != 1 or ops[0].operation.value != "query":
        return None, "Invalid bulk query: the bulk query must contain exactly one query operation."
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    count, depth = _connections(schema.query_type, ops[0].selection_set, fragments, 0)
    if count == 0:
        return None, "Bulk queries must contain at least one connection."
    if count > 5:
        return None, "Bulk queries cannot contain more than 5 connections."
    if depth > 2:
        return None, "Bulk queries cannot contain connections with a nesting depth greater than 2."
    return doc, None


def _connections(gtype, selection_set, fragments, level):
    count, depth = 0, level
    for sel in _flatten(selection_set.selections, fragments):
        if not isinstance(sel, FieldNode) or not sel.selection_set:
            continue
        named = get_named_type(gtype)
        fdef = getattr(named, "fields", {}).get(sel.name.value)
        if fdef is None:
            continue
        if _is_connection(fdef.type):
            count += 1
            node_type = get_named_type(fdef.type).fields["nodes"].type
            sub = type("S", (), {"selections": _node_selection(sel.selection_set)})
            c, d = _connections(node_type, sub, fragments, level + 1)
            count, depth = count + c, max(depth, d, level + 1)
        else:
            c, d = _connections(fdef.type, sel.selection_set, fragments, level)
            count, depth = count + c, max(depth, d)
    return count, depth


def _flatten(selections, fragments, typename=None, interfaces=()):
    for sel in selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode | FragmentSpreadNode):
            frag = fragments[sel.name.value] if isinstance(sel, FragmentSpreadNode) else sel
            cond = frag.type_condition.name.value if frag.type_condition else None
            if typename is None or cond is None or cond == typename or cond in interfaces:
                yield from _flatten(frag.selection_set.selections, fragments, typename, interfaces)


class BulkWriter:
    """Writes one bulk query's JSONL file."""

    def __init__(self, schema, shop, document, fh):
        self.schema, self.shop, self.fh = schema, shop, fh
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operation = next(
            d for d in document.definitions if isinstance(d, OperationDefinitionNode)
        )
        self.objects = self.roots = 0
        self._interfaces = {}

    def run(self):
        root = RootResolver(self.shop)
        qtype = self.schema.query_type
        for sel in _flatten(self.operation.selection_set.selections, self.fragments):
            fdef = qtype.fields[sel.name.value]
            value = _resolve(root, sel.name.value, _args(sel))
            if _is_connection(fdef.type):
                node_type = get_named_type(get_named_type(fdef.type).fields["nodes"].type)
                selections = _node_selection(sel.selection_set)
                for node in value.nodes:
                    self.roots += 1
                    self._emit(node, node_type, selections, None)
            elif value is not None:
                self.roots += 1
                self._emit(value, get_named_type(fdef.type), sel.selection_set.selections, None)

    def _interfaces_of(self, typename):
        if typename not in self._interfaces:
            t = self.schema.get_type(typename)
            self._interfaces[typename] = tuple(i.name for i in getattr(t, "interfaces", ()))
        return self._interfaces[typename]

    def _emit(self, obj, gtype, selections, parent_id):
        line, children = self._object(obj, gtype, selections)
        if parent_id is not None:
            line["__parentId"] = parent_id
        self.fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        self.fh.write("\n")
        self.objects += 1
        for sel, fdef, value in children:
            node_type = get_named_type(get_named_type(fdef.type).fields["nodes"].type)
            node_selections = _node_selection(sel.selection_set)
            for node in value.nodes:
                concrete = self.schema.get_type(node.TYPENAME)
                self._emit(node, concrete if concrete else node_type, node_selections, obj.id)

    def _object(self, obj, gtype, selections):
        out, children = {}, []
        typename = getattr(obj, "TYPENAME", None) or gtype.name
        gtype = self.schema.get_type(typename) or gtype
        for sel in _flatten(selections, self.fragments, typename, self._interfaces_of(typename)):
            name = sel.name.value
            key = sel.alias.value if sel.alias else name
            if name == "__typename":
                out[key] = typename
                continue
            fdef = gtype.fields[name]
            value = _resolve(obj, name, _args(sel))
            if _is_connection(fdef.type):
                children.append((sel, fdef, value))
                continue
            out[key] = self._value(value, fdef.type, sel)
        return out, children

    def _value(self, value, gtype, sel):
        if value is None:
            return None
        if isinstance(gtype, GraphQLNonNull):
            gtype = gtype.of_type
        if isinstance(gtype, GraphQLList):
            return [self._value(v, gtype.of_type, sel) for v in value]
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
            if isinstance(value, dict):
                return {
                    (s.alias.value if s.alias else s.name.value): self._value(
                        value.get(s.name.value), get_named_type(gtype).fields[s.name.value].type, s
                    )
                    for s in _flatten(sel.selection_set.selections, self.fragments)
                    if s.name.value != "__typename"
                }
            return self._object(value, gtype, sel.selection_set.selections)[0]
        return value


def _args(sel):
    return {a.name.value: value_from_ast_untyped(a.value) for a in sel.arguments or ()}


def _resolve(obj, name, args):
    if isinstance(obj, dict):
        value = obj.get(name)
    else:
        value = getattr(obj, name)
    if callable(value):
        return value(None, **args)
    return value


class RootResolver:
    """Query root for bulk runs (info=None: connections return everything)."""

    def __init__(self, shop):
        from connect_shopify_emulator.resolvers import QueryRoot

        self._root = QueryRoot(shop)

    def __getattr__(self, name):
        return getattr(self._root, name)


class BulkOperation:
    TYPENAME = "BulkOperation"

    def __init__(self, num, query, created):
        self.num, self.query, self.created = num, query, created
        self.status, self.errorCode, self.completed = "CREATED", None, None
        self.objectCount = self.rootObjectCount = "0"
        self.fileSize, self.url, self.partialDataUrl = None, None, None
        self.type = "QUERY"
        self.polled = False
        self.path = None
        self.thread = None
        self.busy_until = None  # a placeholder operation (another job of the app) ends then
        self.clock = None  # the emulator's clock, for placeholders

    def running(self, now):
        """Does the operation still take one of the shop's bulk slots at ``now``?"""
        if self.busy_until is not None and self.status == "RUNNING" and now >= self.busy_until:
            self.status, self.completed = "COMPLETED", self.busy_until
        return self.status in ("CREATED", "RUNNING", "CANCELING")

    id = property(lambda self: gid("BulkOperation", self.num))
    createdAt = property(lambda self: iso(self.created))
    completedAt = property(lambda self: iso(self.completed) if self.completed else None)

    def visible_status(self):
        """RUNNING until the file is written AND a client has seen it running once."""
        if self.busy_until is not None and self.clock is not None:
            self.running(self.clock())
        if self.status == "COMPLETED" and not self.polled:
            self.polled = True
            return "RUNNING"
        self.polled = True
        return self.status


class BulkView:
    """A BulkOperation as a client sees it at one moment (RUNNING shown at least once)."""

    TYPENAME = "BulkOperation"

    def __init__(self, op, status=None):
        self._op = op
        self.status = status or op.visible_status()

    def __getattr__(self, name):
        value = getattr(self._op, name)
        if self.status != "COMPLETED" and name in ("url", "completedAt", "fileSize"):
            return None
        return value


def start_bulk(schema, shop, op, document, directory, url_for):
    """Run ``op`` in a background thread writing ``directory/<num>.jsonl``."""
    op.status = "RUNNING"
    path = os.path.join(directory, f"bulk-{op.num}.jsonl")

    def work():
        try:
            with open(path, "w", encoding="utf-8", buffering=1 << 20) as fh:
                writer = BulkWriter(schema, shop, document, fh)
                writer.run()
            op.objectCount, op.rootObjectCount = str(writer.objects), str(writer.roots)
            op.fileSize = str(os.path.getsize(path))
            op.path = path
            op.url = url_for(op) if writer.objects else None
            op.completed = shop.clock()
            op.status = "COMPLETED"
        except Exception:  # a failed bulk run is reported like Shopify does
            op.status, op.errorCode = "FAILED", "INTERNAL_SERVER_ERROR"
            op.completed = shop.clock()
            import traceback

            op.error = traceback.format_exc()

    op.thread = threading.Thread(target=work, name=f"bulk-{op.num}", daemon=True)
    op.thread.start()
