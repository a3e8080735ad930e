"""The JSON API, /api/v1: token authentication, keyset-paginated lists, an OpenAPI document
generated from the same route table (hub.api.routes.ROUTES)."""

from hub.api.routes import bp


def init_app(app):
    app.register_blueprint(bp)
