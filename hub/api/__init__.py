"""The JSON API, /api/v1: token authentication, keyset-paginated lists, an OpenAPI document
generated from the same route table (hub.api.routes.ROUTES)."""


def init_app(app):
    from hub.api.routes import bp
    from hub.web import csrf

    csrf.exempt(bp)  # token authentication only: no cookie, so no cross-site request forgery
    app.register_blueprint(bp)
