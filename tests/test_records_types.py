"""The TypedDicts of hub/records.py follow their marshmallow schemas: the same keys, required
where the schema requires, ``| None`` where it allows None, the same choices where it has
them, and the nested records' TypedDicts where it nests. A field added to a schema and not to
its TypedDict (or the reverse) fails here."""

import types
import typing

import pytest
from marshmallow import Schema, fields, validate

from hub import records

SCHEMAS = sorted(records.TYPED_DICTS.items(), key=lambda item: item[0].__name__)


def _hints(typed_dict):
    return typing.get_type_hints(typed_dict)


def _members(annotation):
    """The members of a union (``X | None``), or the annotation alone."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set(typing.get_args(annotation))
    return {annotation}


def test_every_schema_of_the_module_has_a_typed_dict():
    schemas = {
        value
        for value in vars(records).values()
        if isinstance(value, type)
        and issubclass(value, Schema)
        and value.__module__ == records.__name__
        and value is not records.RecordSchema
    }
    assert schemas == set(records.TYPED_DICTS)
    for schema, typed_dict in records.TYPED_DICTS.items():
        assert typed_dict.__name__ == f"{schema.__name__}Dict"


@pytest.mark.parametrize(("schema", "typed_dict"), SCHEMAS, ids=lambda v: v.__name__)
def test_typed_dict_keys_follow_the_schema(schema, typed_dict):
    declared = schema().fields
    assert set(typed_dict.__annotations__) == set(declared), (
        f"{typed_dict.__name__} and {schema.__name__} differ: "
        f"{set(typed_dict.__annotations__) ^ set(declared)}"
    )
    required = {name for name, field in declared.items() if field.required}
    assert set(typed_dict.__required_keys__) == required, (
        f"{typed_dict.__name__}: required keys {sorted(typed_dict.__required_keys__)}, "
        f"the schema requires {sorted(required)}"
    )


@pytest.mark.parametrize(("schema", "typed_dict"), SCHEMAS, ids=lambda v: v.__name__)
def test_typed_dict_types_follow_the_schema(schema, typed_dict):
    hints = _hints(typed_dict)
    for name, field in schema().fields.items():
        members = _members(hints[name])
        if isinstance(field, fields.Raw) and type(field) is fields.Raw:
            continue  # anything goes (a setting's default)
        assert (type(None) in members) == field.allow_none, (
            f"{typed_dict.__name__}.{name}: allow_none={field.allow_none}, typed {hints[name]}"
        )
        members.discard(type(None))
        choices = [v for v in _validators(field) if isinstance(v, validate.OneOf)]
        if choices:
            (literal,) = members
            assert typing.get_origin(literal) is typing.Literal, f"{typed_dict.__name__}.{name}"
            assert set(typing.get_args(literal)) == set(choices[0].choices)
        elif isinstance(field, fields.Nested):
            assert members == {records.TYPED_DICTS[type(field.schema)]}, name
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            (listed,) = members
            assert typing.get_args(listed) == (records.TYPED_DICTS[type(field.inner.schema)],)
        else:
            assert members <= _python_types(field), (
                f"{typed_dict.__name__}.{name}: typed {hints[name]}, field {type(field).__name__}"
            )


def _validators(field):
    return list(getattr(field, "validators", []) or [])


def _python_types(field):
    """What a field of this class may hold, serialised or loaded."""
    from datetime import datetime
    from decimal import Decimal

    if isinstance(field, fields.DateTime):
        return {str, datetime}
    if isinstance(field, fields.Decimal):
        return {str, Decimal}
    if isinstance(field, fields.Boolean):
        return {bool}
    if isinstance(field, fields.Integer):
        return {int}
    if isinstance(field, fields.String):  # Url too
        return {str}
    if isinstance(field, fields.Dict):
        return {dict[str, typing.Any]}
    if isinstance(field, fields.List):
        return {list[str]}
    raise AssertionError(f"no rule for {type(field).__name__}")
