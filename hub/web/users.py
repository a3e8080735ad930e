"""Users (admins only, see hub.web.roles): create, role, activate / deactivate, reset the
password, delete, their API tokens and sessions, and the recent failed sign-ins. And every
user's own settings ("My settings", /users/me): their time zone and their password."""

from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from hub.errors import NotFound
from hub.models import ApiToken, User, utcnow
from hub.services.users import (
    change_own_password,
    create_user,
    delete_user,
    end_all_sessions,
    get_user_by_id,
    list_sessions,
    list_tokens,
    recent_failures,
    revoke_token,
    set_active,
    set_password,
    set_role,
    set_timezone,
)
from hub.web.common import acting_user, back, get_or_404, protected_blueprint, run_action
from hub.web.filters import TZ_COOKIE

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


def _act_on(user, action, message, *, ends_sessions=False):
    """An admin's action on a user (``run_action``), then back to the user's page — or to
    sign-in, when it ended the admin's own sessions."""
    ok, _ = run_action(action, message)
    signed_out = ends_sessions and ok and _signed_out_self(user)
    return signed_out or redirect(url_for("users.show", user_id=user.id))


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
    return _act_on(user, lambda: set_role(user, new_role), f"{user.username} is now {new_role}.")


@bp.route("/<int:user_id>/password", methods=["POST"])
def reset_password(user_id):
    """An admin sets a new password for someone (who forgot theirs): their sessions end."""
    user = _user(user_id)
    password = request.form.get("password") or ""
    done = f"Password of {user.username} changed: their sessions ended."
    return _act_on(user, lambda: set_password(user, password), done, ends_sessions=True)


@bp.route("/<int:user_id>/activate", methods=["POST"])
def activate(user_id):
    user = _user(user_id)
    return _act_on(user, lambda: set_active(user, True), f"{user.username} activated.")


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id):
    user = _user(user_id)
    return _act_on(
        user,
        lambda: set_active(user, False),
        f"{user.username} deactivated: their sessions ended and their API tokens are refused.",
        ends_sessions=True,
    )


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


# -- one's own settings (every user) --------------------------------------------------------


def _zones():
    """The IANA zones to choose from, as "Area/City" (and UTC), sorted."""
    legacy = ("Etc/", "SystemV/")
    areas = (z for z in available_timezones() if "/" in z and not z.startswith(legacy))
    return ["UTC", *sorted(areas)]


@bp.route("/me")
def me():
    return render_template(
        "users/me.html",
        zones=_zones(),
        browser_zone=request.cookies.get(TZ_COOKIE),
        now=utcnow(),
    )


@bp.route("/me/timezone", methods=["POST"])
def me_timezone():
    name = (request.form.get("timezone") or "").strip()
    run_action(
        lambda: set_timezone(acting_user(), name),
        f"Times are now shown in {name}."
        if name
        else "Times are now shown in your browser's time zone.",
    )
    return redirect(url_for("users.me"))


@bp.route("/me/password", methods=["POST"])
def me_password():
    """A user changes their own password: the current one first; their other sessions end."""
    form = request.form
    if (form.get("new_password") or "") != (form.get("repeat_password") or ""):
        flash("The two new passwords differ.", "error")
        return redirect(url_for("users.me"))
    user = acting_user()
    run_action(
        lambda: change_own_password(
            user,
            form.get("current_password"),
            form.get("new_password"),
            keep_session=user.session_token,
            address=request.remote_addr or "unknown",
        ),
        "Password changed: your other sessions ended.",
    )
    return redirect(url_for("users.me"))
