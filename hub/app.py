"""The Flask application factory: the merchant dashboard (``hub.web``) and the JSON API
(``hub.api``) on one app. Configuration comes from ``hub.settings`` and ``HUB_*`` variables."""

from datetime import timedelta

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from hub import api, web
from hub import db as hubdb
from hub.bounds import MAX_ID
from hub.settings import get_settings


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class HubFlask(Flask):
    """Flask, plus ``Secure`` on every cookie of a response to an HTTPS request when
    ``HUB_SECURE_COOKIES`` is ``auto`` (the default)."""

    secure_cookies_auto = True

    def process_response(self, response):
        response = super().process_response(response)  # after_request hooks, session saved
        if self.secure_cookies_auto and request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            if any("; Secure" not in c for c in cookies):
                del response.headers["Set-Cookie"]
                for cookie in cookies:
                    secure = cookie if "; Secure" in cookie else cookie + "; Secure"
                    response.headers.add("Set-Cookie", secure)
        return response


def create_app(config=None):
    settings = get_settings()
    app = HubFlask(
        "hub",
        instance_path=str(settings.instance_dir),
        static_folder="web/static",
        template_folder="web/templates",
    )
    # <int:…> in every route matches 1..2**63-1 only: a larger id is a 404, not an
    # OverflowError from the database
    app.url_map.converters["int"] = BoundedIntConverter
    secure = settings.secure_cookies
    app.secure_cookies_auto = secure == "auto"
    secure = secure is True
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=timedelta(days=30),  # hub.services.users.REMEMBER_DAYS
        WTF_CSRF_TIME_LIMIT=None,
        PAGE_SIZE=50,
        # a request body's bound, checked as it is read (chunked ones too): the largest
        # legitimate bodies are a 2 MB shipments CSV and a 2 MB store webhook
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.config.from_prefixed_env("HUB")
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.require_secret_key()

    if hubdb.db.obj is None:
        hubdb.init_db(settings.database_url)

    proxies = settings.trusted_proxies
    if proxies > 0:  # behind N reverse proxies: the client's address and scheme from X-Forwarded-*
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    web.init_app(app)
    api.init_app(app)
    # the API authenticates by token only (no cookie): no cross-site request forgery to stop
    web.csrf.exempt(api.bp)
    return app
