"""The requested cost of a GraphQL request, under the strict reading of Shopify's rules.

What Shopify publishes and what is a deliberate worst case here is documented, with sources,
in the package docstring (``connect_shopify_emulator/__init__.py``). In short:

* scalars and enums 0, objects 1, mutations 10 (plus their payload's selection);
* interfaces and unions: 1 + the most expensive selection over their possible types;
* connections (``…Connection`` with ``nodes``/``edges``): ``2 + size x (1 + node selection)``
  where size is ``first`` or ``last`` (``pageInfo`` and ``cursor`` are part of the 2);
* lists of objects: ``size x (1 + element selection)``, where size is ``first`` when the field
  takes it (``Order.fulfillments(first:)``, ``Fulfillment.trackingInfo(first:)``), else the
  length of its ``ids`` argument (``nodes(ids:)``) or of its one list argument
  (``quantities(names:)``), else 1.

The emulator refuses a request over its limit with this number, reports it as
``extensions.cost.requestedQueryCost``, and the connector's tests price every query it can send
with the same function (``tests/test_shopify_query_cost.py``).
"""

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    parse,
)
from graphql.utilities import value_from_ast_untyped

MUTATION_COST = 10


def _is_list(gtype):
    if isinstance(gtype, GraphQLNonNull):
        gtype = gtype.of_type
    return isinstance(gtype, GraphQLList)


def _is_connection(named):
    fields = getattr(named, "fields", None) or {}
    return named.name.endswith("Connection") and ("nodes" in fields or "edges" in fields)


class CostCalculator:
    def __init__(self, schema, document, variables=None):
        self.schema = schema
        self.variables = variables or {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    # -- arguments ----------------------------------------------------------------------------

    def _arg(self, field, name, defaults):
        for a in field.arguments or ():
            if a.name.value == name:
                return value_from_ast_untyped(a.value, defaults)
        return None

    def _size(self, field, fdef, connection):
        first = self._arg(field, "first", self.variables)
        last = self._arg(field, "last", self.variables)
        sizes = [int(v) for v in (first, last) if isinstance(v, int)]
        if sizes:
            return max(sizes)
        if connection:
            return 1  # Shopify refuses a connection without first/last (a separate error)
        ids = self._arg(field, "ids", self.variables)
        if isinstance(ids, list):
            return len(ids)
        lists = [
            self._arg(field, a.name.value, self.variables)
            for a in field.arguments or ()
            if a.name.value in fdef.args and _is_list(fdef.args[a.name.value].type)
        ]
        lists = [v for v in lists if isinstance(v, list)]
        if len(lists) == 1:
            return len(lists[0])
        return 1

    # -- selections ---------------------------------------------------------------------------

    def _applies(self, condition, typename):
        """Does a fragment on ``condition`` apply to an object of type ``typename``?"""
        if condition is None or condition == typename:
            return True
        cond = self.schema.get_type(condition)
        concrete = self.schema.get_type(typename)
        if cond is None or concrete is None or not is_abstract_type(cond):
            return False
        return self.schema.is_sub_type(cond, concrete)

    def _fields(self, selections, typename):
        """The field nodes selected on an object of concrete type ``typename``."""
        for sel in selections:
            if isinstance(sel, FieldNode):
                yield sel
                continue
            if isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                frag = sel
            else:
                continue
            if frag is None:
                continue
            cond = frag.type_condition.name.value if frag.type_condition else None
            if self._applies(cond, typename):
                yield from self._fields(frag.selection_set.selections, typename)

    def selection(self, selections, named):
        """Cost of a selection set on a value of type ``named`` (the value itself excluded).

        On an interface or a union, the most expensive of its possible types.
        """
        if not selections:
            return 0
        if is_abstract_type(named):
            possible = self.schema.get_possible_types(named)
            if not possible:
                return 0
            return max(self._concrete(selections, t) for t in possible)
        return self._concrete(selections, named)

    def _concrete(self, selections, named):
        total = 0
        for field in self._fields(selections, named.name):
            name = field.name.value
            if name.startswith("__"):
                continue
            fdef = named.fields.get(name)
            if fdef is None:
                continue
            total += self.field(field, fdef)
        return total

    def field(self, field, fdef):
        ftype = get_named_type(fdef.type)
        if is_leaf_type(ftype):
            return 0
        subs = field.selection_set.selections if field.selection_set else []
        if _is_connection(ftype):
            size = self._size(field, fdef, connection=True)
            node_type = get_named_type(ftype.fields["nodes"].type)
            inner = []
            for s in self._fields(subs, ftype.name):
                if s.name.value == "nodes" and s.selection_set:
                    inner.extend(s.selection_set.selections)
                elif s.name.value == "edges" and s.selection_set:
                    edge = get_named_type(ftype.fields["edges"].type)
                    for e in self._fields(s.selection_set.selections, edge.name):
                        if e.name.value == "node" and e.selection_set:
                            inner.extend(e.selection_set.selections)
            return 2 + size * (1 + self.selection(inner, node_type))
        each = 1 + self.selection(subs, ftype)
        if _is_list(fdef.type):
            return self._size(field, fdef, connection=False) * each
        return each

    def operation(self, operation):
        root = (
            self.schema.mutation_type
            if operation.operation.value == "mutation"
            else self.schema.query_type
        )
        if operation.operation.value != "mutation":
            return self.selection(operation.selection_set.selections, root)
        total = 0
        for field in self._fields(operation.selection_set.selections, root.name):
            fdef = root.fields.get(field.name.value)
            if fdef is None:
                continue
            subs = field.selection_set.selections if field.selection_set else []
            total += MUTATION_COST + self.selection(subs, get_named_type(fdef.type))
        return total


def _with_defaults(operation, variables):
    """The request's variables plus the defaults the operation declares."""
    out = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            out[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
    out.update(variables or {})
    return out


def select_operation(document, operation_name=None):
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return next(
        (o for o in ops if operation_name is None or (o.name and o.name.value == operation_name)),
        ops[0] if ops else None,
    )


def requested_cost(schema, document, variables=None, operation_name=None):
    """Requested cost of ``document`` (a string or a parsed, validated DocumentNode)."""
    if isinstance(document, str):
        document = parse(document)
    operation = select_operation(document, operation_name)
    if operation is None:
        return 0
    calculator = CostCalculator(schema, document, _with_defaults(operation, variables))
    return calculator.operation(operation)
