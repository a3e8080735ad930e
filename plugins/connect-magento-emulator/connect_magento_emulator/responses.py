"""JSON answers as Magento's Web API gives them, and its common error messages."""

import json

from flask import Response

NO_ROUTE = {"message": "Request does not match any route.", "trace": None}
NOT_FOUND_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
NOT_FOUND_PRODUCT = (
    "The product that was requested doesn't exist. Verify the product and try again."
)


def dumps(data):
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def json_response(data, status=200, headers=None):
    return Response(dumps(data), status=status, mimetype="application/json", headers=headers)


def error(message, status=400, parameters=None, **extra):
    body = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    body.update(extra)
    return json_response(body, status)
