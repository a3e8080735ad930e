"""The merchant dashboard: blueprints by area, one layout, login everywhere, CSRF on every form."""

from flask import render_template, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from hub.db import db
from hub.errors import BadInput, NotFound
from hub.services.users import user_for_session
from hub.web import (
    alerts,
    auth,
    catalog,
    events,
    filters,
    integrations,
    inventory,
    ops,
    orders,
    outbox,
    overview,
    purchasing,
    roles,
    runs,
    users,
    webhooks,
)

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@login_manager.user_loader
def _load_user(session_token):
    """The session and remember-me cookies carry a sign-in's random token: a signed-out,
    expired or deactivated user's token finds nothing (hub.services.users)."""
    return user_for_session(session_token)


def _open_db():
    if db.obj is not None and db.is_closed():
        db.connect(reuse_if_open=True)


def _close_db(exc=None):
    if db.obj is not None and not db.is_closed() and not db.in_transaction():
        db.close()


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _error_answer(code, message, api=None):
    """An error as the caller reads it: JSON under /api/ (``api``, else ``{"error": message}``),
    the error page elsewhere."""
    if request.path.startswith("/api/"):
        return (api or {"error": message}), code
    return render_template("error.html", code=code, message=message), code


def init_app(app):
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(_open_db)
    app.teardown_appcontext(_close_db)
    app.after_request(_security_headers)
    app.before_request(roles.check_role)
    filters.init_app(app)
    for module in (
        auth,
        overview,
        integrations,
        runs,
        events,
        alerts,
        catalog,
        orders,
        outbox,
        inventory,
        purchasing,
        ops,
        users,
        webhooks,
    ):
        app.register_blueprint(module.bp)
    csrf.exempt(webhooks.bp)  # the store is the caller: the signature is checked instead

    @app.context_processor
    def _layout():
        signed_in = current_user.is_authenticated
        return {
            "bell": events.bell_summary() if signed_in else None,
            "can": lambda endpoint: signed_in and roles.may_open(current_user, endpoint),
        }

    @app.errorhandler(404)
    def _not_found(exc):
        return _error_answer(404, "This page does not exist.", {"error": "not found"})

    @app.errorhandler(405)
    def _wrong_method(exc):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        message = f"This address does not take a {request.method}" + (
            f" (it takes {allowed})." if allowed else "."
        )
        api = {"error": "method not allowed", "allowed": exc.valid_methods or []}
        return _error_answer(405, message, api)

    @app.errorhandler(413)
    def _too_large(exc):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return _error_answer(
            413, f"The request is larger than {limit // (1024 * 1024)} MB: send less at once."
        )

    @app.errorhandler(NotFound)
    def _hub_not_found(exc):
        return _error_answer(404, str(exc))

    @app.errorhandler(BadInput)
    def _bad_input(exc):
        return _error_answer(400, str(exc))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _error_answer(
            400,
            "The form expired or was not sent by this site: reload the page and try again.",
            {"error": exc.description},
        )
