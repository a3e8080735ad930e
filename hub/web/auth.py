"""Sign in (throttled), sign out (here or everywhere), the user's sessions and API tokens."""

from datetime import timedelta

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from hub.errors import NotFound
from hub.services.users import (
    REMEMBER_DAYS,
    LoginThrottled,
    authenticate,
    create_token,
    end_all_sessions,
    end_session,
    end_session_id,
    find_token,
    list_sessions,
    list_tokens,
    revoke_token,
    session_of,
    start_session,
)
from hub.web.common import back, safe_path

bp = Blueprint("auth", __name__)


def no_store(response):
    """For pages that show a secret once: no browser or proxy keeps a copy."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _next_page():
    return (
        safe_path(request.form.get("next"))
        or safe_path(request.args.get("next"))
        or url_for("overview.index")
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_path(request.args.get("next")) or url_for("overview.index"))
    if request.method == "POST":
        address = request.remote_addr or "unknown"
        try:
            user = authenticate(
                request.form.get("username", ""), request.form.get("password", ""), address
            )
        except LoginThrottled as exc:
            flash(f"Too many failed sign-ins: wait {exc.retry_after} s and try again.", "error")
            response = make_response(render_template("auth/login.html"), 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if user is None:
            flash("Unknown user or wrong password.", "error")
            return render_template("auth/login.html"), 401
        target = _next_page()
        remember = bool(request.form.get("remember"))
        session.clear()  # nothing of the signed-out session carries over
        start_session(user, remember, address, request.user_agent.string)
        login_user(user, remember=remember, duration=timedelta(days=REMEMBER_DAYS))
        return redirect(target)
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_session(current_user.session_token)
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    count = end_all_sessions(current_user._get_current_object())
    logout_user()
    flash(f"Signed out everywhere ({count} session{'s' if count != 1 else ''}).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions")
@login_required
def sessions():
    current = session_of(current_user.session_token)
    return render_template(
        "auth/sessions.html",
        sessions=list_sessions(current_user),
        current_id=current.id if current else None,
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"], endpoint="end_session")
@login_required
def end_session_view(session_id):
    current = session_of(current_user.session_token)
    try:
        end_session_id(current_user, session_id)
    except NotFound:
        return render_template("error.html", code=404, message="No such session."), 404
    if current is not None and current.id == session_id:
        logout_user()
        flash("Signed out.", "info")
        return redirect(url_for("auth.login"))
    flash("Session ended.", "success")
    return back("auth.sessions")


@bp.route("/account/tokens")
@login_required
def tokens():
    return render_template("auth/tokens.html", tokens=list_tokens(current_user), new_token=None)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create():
    name = (request.form.get("name") or "").strip() or "dashboard"
    token = create_token(current_user._get_current_object(), name[:100])
    flash("Token created: copy it now, it will not be shown again.", "success")
    return no_store(
        render_template("auth/tokens.html", tokens=list_tokens(current_user), new_token=token)
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    try:
        token = find_token(current_user, token_id)
    except NotFound:
        return render_template("error.html", code=404, message="No such token."), 404
    revoke_token(token)
    flash(f"Token {token.name} revoked.", "success")
    return back("auth.tokens")
