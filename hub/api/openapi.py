"""The OpenAPI 3 document of /api/v1, generated from hub.api.routes.ROUTES and the
marshmallow schemas (so the document is what the API does)."""

import re

from marshmallow import fields

from hub import __version__
from hub.api import schemas

FIELD_TYPES = {
    fields.Integer: "integer",
    fields.Float: "number",
    fields.Boolean: "boolean",
    fields.String: "string",
    fields.Dict: "object",
    fields.Raw: "object",
}


def openapi_path(path):
    """/runs/<int:run_id> -> /runs/{run_id}"""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", path)


def field_schema(f):
    if isinstance(f, fields.Nested):
        schema = {"$ref": f"#/components/schemas/{type(f.schema).__name__}"}
    elif isinstance(f, fields.List):
        schema = {"type": "array", "items": field_schema(f.inner)}
    else:
        kind = next((t for cls, t in FIELD_TYPES.items() if isinstance(f, cls)), "string")
        schema = {"type": kind}
    if f.allow_none and "$ref" not in schema:
        schema["nullable"] = True
    if f.metadata.get("format"):
        schema["format"] = f.metadata["format"]
    if f.metadata.get("description"):
        schema["description"] = f.metadata["description"]
    return schema


def schema_object(schema_cls, components):
    name = schema_cls.__name__
    if name in components:
        return {"$ref": f"#/components/schemas/{name}"}
    components[name] = {}  # placeholder against recursion
    instance = schema_cls()
    props, required = {}, []
    for fname, f in instance.fields.items():
        key = f.data_key or fname
        if isinstance(f, fields.Nested):
            schema_object(type(f.schema), components)
        if isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            schema_object(type(f.inner.schema), components)
        props[key] = field_schema(f)
        if f.required:
            required.append(key)
    components[name] = {"type": "object", "properties": props}
    if required:
        components[name]["required"] = required
    return {"$ref": f"#/components/schemas/{name}"}


def document(routes, url_prefix):
    """The document of ``routes`` (hub.api.routes.ROUTES) served under ``url_prefix``."""
    components = {}
    error_ref = schema_object(schemas.ErrorOut, components)
    paths = {}
    for route in routes:
        op = {"operationId": route.endpoint, "summary": route.summary, "responses": {}}
        if route.public:
            op["security"] = []
        params = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.where == "path",
                "schema": {"type": p.type},
                **({"description": p.description} if p.description else {}),
            }
            for p in route.params
        ]
        if params:
            op["parameters"] = params
        if route.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_object(route.body, components)}},
            }
        if route.response is None:
            content = {"application/json": {"schema": {"type": "object"}}}
        else:
            ref = schema_object(route.response, components)
            if route.many:
                ref = {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": ref},
                        "next": {
                            "type": "string",
                            "nullable": True,
                            "description": "URL of the next page; null on the last",
                        },
                    },
                }
            content = {"application/json": {"schema": ref}}
        op["responses"][str(route.status)] = {"description": "OK", "content": content}
        error = {"description": "error", "content": {"application/json": {"schema": error_ref}}}
        if route.params or route.body:
            op["responses"]["400"] = error
        if not route.public:
            op["responses"]["401"] = {**error, "description": "missing or invalid token"}
        if route.admin:
            op["responses"]["403"] = {**error, "description": "the token's user is not an admin"}
        if route.conflict:
            op["responses"]["409"] = {**error, "description": route.conflict}
        if any(p.where == "path" for p in route.params):
            op["responses"]["404"] = {**error, "description": "unknown id"}
        paths.setdefault(openapi_path(route.path), {})[route.method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "hub API",
            "version": __version__,
            "description": "Products, orders, stock, shipments, feed runs, events and "
            "integrations of the hub. Lists are keyset-paginated: follow "
            "`next` (`?after=<id>&limit=N`).",
        },
        "servers": [{"url": url_prefix}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token from the dashboard (user menu → API "
                    "tokens) or `hub users token NAME`",
                }
            },
        },
    }
