"""The JSON API, /api/v1 (filled in by hub.api.routes)."""


def init_app(app):
    from hub.api.routes import bp

    app.register_blueprint(bp)
