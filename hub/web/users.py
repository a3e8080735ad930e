"""Users (admins only, see hub.web.roles): create, role, activate / deactivate, delete, their
API tokens and sessions, and the recent failed sign-ins."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from hub.errors import NotFound
from hub.models import ApiToken, User
from hub.services.users import (
    create_user,
    delete_user,
    end_all_sessions,
    get_user_by_id,
    list_sessions,
    list_tokens,
    recent_failures,
    revoke_token,
    set_active,
    set_role,
)
from hub.web.common import back, get_or_404, protected_blueprint, run_action

bp = protected_blueprint("users", __name__, url_prefix="/users")


def _user(user_id):
    try:
        return get_user_by_id(user_id)
    except NotFound:
        abort(404)


def _signed_out_self(user):
    """After ending one's own sessions, the current one is gone too."""
    if user.id == current_user.id:
        logout_user()
        return redirect(url_for("auth.login"))
    return None


@bp.route("/")
def index():
    return render_template(
        "users/index.html",
        users=list(User.select().order_by(User.username)),
        failures=recent_failures(),
    )


@bp.route("/", methods=["POST"])
def create():
    username = (request.form.get("username") or "").strip()
    role = request.form.get("role", "operator")
    ok, user = run_action(
        lambda: create_user(username, request.form.get("password") or "", is_admin=role == "admin"),
        f"User {username} created.",
    )
    if not ok:
        return redirect(url_for("users.index"))
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>")
def show(user_id):
    user = _user(user_id)
    return render_template(
        "users/show.html", user=user, tokens=list_tokens(user), sessions=list_sessions(user)
    )


@bp.route("/<int:user_id>/role", methods=["POST"])
def role(user_id):
    user = _user(user_id)
    new_role = request.form.get("role", "")
    run_action(lambda: set_role(user, new_role), f"{user.username} is now {new_role}.")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/activate", methods=["POST"])
def activate(user_id):
    user = _user(user_id)
    run_action(lambda: set_active(user, True), f"{user.username} activated.")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id):
    user = _user(user_id)
    ok, _ = run_action(
        lambda: set_active(user, False),
        f"{user.username} deactivated: their sessions ended and their API tokens are refused.",
    )
    return (ok and _signed_out_self(user)) or redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/delete", methods=["POST"])
def delete(user_id):
    user = _user(user_id)
    ok, _ = run_action(lambda: delete_user(user), f"User {user.username} deleted.")
    if not ok:
        return redirect(url_for("users.show", user_id=user.id))
    return _signed_out_self(user) or redirect(url_for("users.index"))


@bp.route("/<int:user_id>/sign-out", methods=["POST"])
def sign_out(user_id):
    user = _user(user_id)
    count = end_all_sessions(user)
    flash(f"{user.username} signed out everywhere ({count} sessions).", "success")
    return _signed_out_self(user) or redirect(url_for("users.show", user_id=user.id))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token_view(token_id):
    token = get_or_404(ApiToken, token_id)
    revoke_token(token)
    flash(f"Token {token.name} of {token.user.username} revoked.", "success")
    return back("users.show", user_id=token.user_id)
