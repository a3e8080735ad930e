"""The Flask application factory: the merchant dashboard (``hub.web``) and the JSON API
(``hub.api``) on one app. Configuration comes from ``hub.settings`` and ``HUB_*`` variables."""

import os

from flask import Flask

from hub import db as hubdb
from hub.settings import get_settings


def create_app(config=None):
    settings = get_settings()
    app = Flask(
        "hub",
        instance_path=str(settings.instance_dir),
        static_folder="web/static",
        template_folder="web/templates",
    )
    secure = os.environ.get("HUB_SECURE_COOKIES", "0").strip().lower() in ("1", "true", "yes")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,
        PAGE_SIZE=50,
    )
    app.config.from_prefixed_env("HUB")
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.require_secret_key()

    if hubdb.db.obj is None:
        hubdb.init_db(settings.database_url)

    from hub import api, web

    web.init_app(app)
    api.init_app(app)
    return app
