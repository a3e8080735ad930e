"""The store-facing routes of the Shopify emulator: the Admin GraphQL endpoint (cost,
throttling, access scopes), the client-credentials token endpoint, bulk result downloads,
product images. The faults every one of them may answer with are the emulator kit's
(``hub.testing.emulator``; their Shopify answers: ``emulator.fault_response``)."""

import json
import os
import re
import secrets

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from graphql import FieldNode, GraphQLError, execute, parse, validate

from connect_shopify_emulator.cost import requested_cost, select_operation
from connect_shopify_emulator.emulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    INVALID_TOKEN,
    MAX_COST_ADVICE,
    PNG,
    ROOT_SCOPES,
    TOKEN_TTL,
    VERSIONS,
    api_error,
)
from connect_shopify_emulator.resolvers import Mutation, QueryRoot
from hub.testing.credentials import same_secret

bp = Blueprint("admin_api", __name__)


@bp.before_app_request
def _before():
    emu = current_app.config["EMULATOR"]
    emu.shop.public_url = request.host_url.rstrip("/")
    if not request.path.startswith("/_emulator"):
        emu.counters["requests"] += 1
    return None  # the faults are served next, by the emulator kit (hub.testing.emulator)


def authenticated():
    """The Admin API takes its access token in ``X-Shopify-Access-Token`` only: the demo token
    or one the token endpoint issued and not yet expired (any other header, ``Authorization``
    included, is not read: https://shopify.dev/docs/api/admin-graphql#authentication)."""
    emu = current_app.config["EMULATOR"]
    token = request.headers.get("X-Shopify-Access-Token")
    if same_secret(token, DEMO_TOKEN):
        return True
    expiry = emu.tokens.get(token)
    return expiry is not None and expiry > emu.clock()


@bp.post("/admin/oauth/access_token")
def access_token():
    emu = current_app.config["EMULATOR"]
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data or {}
    if data.get("grant_type") != "client_credentials":
        return api_error(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "The grant type is not supported.",
            },
        )
    if data.get("client_id") != DEMO_CLIENT_ID or data.get("client_secret") != DEMO_CLIENT_SECRET:
        return api_error(
            400,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
        )
    token = "shpat_" + secrets.token_hex(16)
    emu.tokens[token] = emu.clock() + TOKEN_TTL
    emu.counters["tokens_issued"] += 1
    return jsonify(
        {"access_token": token, "scope": ",".join(emu.shop.scopes), "expires_in": TOKEN_TTL}
    )


@bp.post("/admin/api/<version>/graphql.json")
def graphql(version):  # noqa: C901 - Shopify's GraphQL endpoint checks (version, auth, locked shop, body, parse, cost) in Shopify's order
    emu = current_app.config["EMULATOR"]
    schema = emu.schema
    if not (version == "unstable" or re.fullmatch(r"\d{4}-(01|04|07|10)", version)):
        return api_error(404, {"errors": "Not Found"})
    if version != "unstable" and version < VERSIONS[0]:
        version = VERSIONS[0]  # unsupported versions fall forward to the oldest supported
    if not authenticated():
        return api_error(401, {"errors": INVALID_TOKEN})
    if emu.shop.locked:
        return api_error(423, {"errors": "This shop is unavailable"})
    if emu.shop.frozen:
        return api_error(402, {"errors": "Unavailable Shop"})
    emu.counters["graphql_requests"] += 1
    headers = {"X-Shopify-API-Version": version}
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return api_error(
            400, {"errors": {"query": "Required parameter missing or invalid"}}, headers
        )
    variables = body.get("variables") or {}
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return api_error(200, {"errors": [exc.formatted]}, headers)
    errors = validate(schema, document)
    if errors:
        return api_error(200, {"errors": [e.formatted for e in errors]}, headers)
    name = body.get("operationName")
    operation = select_operation(document, name)
    requested = requested_cost(schema, document, variables, name)
    with emu.lock:
        available = emu.bucket.refill()
        max_cost = emu.max_query_cost
        if requested > max_cost:
            emu.counters["max_cost_exceeded"] += 1
            return api_error(
                200,
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single "
                            f"query max cost limit ({max_cost}).\n\n" + MAX_COST_ADVICE,
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": max_cost,
                                "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": requested,
                            "actualQueryCost": None,
                            "throttleStatus": emu.bucket.status(),
                        }
                    },
                },
                headers,
            )
        if available < requested:
            emu.counters["throttled"] += 1
            return api_error(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": requested,
                            "actualQueryCost": None,
                            "throttleStatus": emu.bucket.status(),
                        }
                    },
                },
                headers,
            )
        emu.bucket.available -= requested
        denied = []
        for sel in operation.selection_set.selections:
            if isinstance(sel, FieldNode):
                scope = ROOT_SCOPES.get(sel.name.value)
                if scope and not _has_scope(emu.shop.scopes, scope):
                    denied.append(
                        {
                            "message": f"Access denied for {sel.name.value} field. Required "
                            f"access: `{scope}` access scope.",
                            "locations": [
                                {
                                    "line": sel.loc.start_token.line,
                                    "column": sel.loc.start_token.column,
                                }
                            ],
                            "path": [sel.name.value],
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "documentation": "https://shopify.dev/api/usage/access-scopes",
                                "requiredAccess": f"`{scope}` access scope.",
                            },
                        }
                    )
        if denied:
            result_data, result_errors = None, denied
        else:
            root = Mutation(emu) if operation.operation.value == "mutation" else QueryRoot(emu.shop)
            result = execute(
                schema,
                document,
                root_value=root,
                context_value={"version": version, "emulator": emu},
                variable_values=variables,
                operation_name=name,
            )
            result_data = result.data
            result_errors = [e.formatted for e in result.errors] if result.errors else None
        actual = (
            requested
            if operation.operation.value == "mutation"
            else min(requested, max(1, _count_objects(result_data)))
        )
        emu.bucket.available = min(emu.bucket.size, emu.bucket.available + requested - actual)
        payload = {"data": result_data}
        if result_errors:
            payload = {"errors": result_errors, "data": result_data}
        payload["extensions"] = {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": emu.bucket.status(),
            }
        }
    return Response(json.dumps(payload), status=200, mimetype="application/json", headers=headers)


@bp.get("/_bulk/<int:num>.jsonl")
def bulk_file(num):
    emu = current_app.config["EMULATOR"]
    op = emu.shop.bulk_operations.get(num)
    if op is None or not op.path or not os.path.exists(op.path):
        return api_error(404, {"errors": "Not Found"})
    emu.counters["bulk_downloads"] += 1
    return send_file(op.path, mimetype="application/jsonl", conditional=False)


@bp.get("/cdn/shop/files/<path:name>")
def image(name):
    return Response(PNG, mimetype="image/png")


def _count_objects(data):
    if isinstance(data, dict):
        return 1 + sum(_count_objects(v) for v in data.values())
    if isinstance(data, list):
        return sum(_count_objects(v) for v in data)
    return 0


def _has_scope(granted, scope):
    if scope in granted:
        return True
    if scope.startswith("read_"):  # a write scope implies its read scope
        return "write_" + scope[len("read_") :] in granted
    return False
