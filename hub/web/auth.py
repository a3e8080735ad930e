"""Sign in, sign out, and the user's API tokens."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from hub.models import ApiToken, utcnow
from hub.services.users import authenticate, create_token
from hub.web.common import back, get_or_404

bp = Blueprint("auth", __name__)


def _safe_next(target):
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("overview.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            flash("Unknown user or wrong password.", "error")
            return render_template("auth/login.html"), 401
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(_safe_next(request.form.get("next") or request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/tokens")
@login_required
def tokens():
    rows = ApiToken.select().where(ApiToken.user == current_user.id).order_by(ApiToken.id.desc())
    return render_template("auth/tokens.html", tokens=rows, new_token=None)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create():
    name = (request.form.get("name") or "").strip() or "dashboard"
    token = create_token(current_user._get_current_object(), name[:100])
    rows = ApiToken.select().where(ApiToken.user == current_user.id).order_by(ApiToken.id.desc())
    flash("Token created: copy it now, it will not be shown again.", "success")
    return render_template("auth/tokens.html", tokens=rows, new_token=token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    token = get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        return render_template("error.html", code=404, message="No such token."), 404
    token.revoked_at = token.revoked_at or utcnow()
    token.save()
    flash(f"Token {token.name} revoked.", "success")
    return back("auth.tokens")
