"""Users (werkzeug password hashes) and API tokens (stored as SHA-256, shown once)."""

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from hub.errors import BadInput, NotFound
from hub.models import ApiToken, User, utcnow

MIN_PASSWORD = 8


def create_user(username, password, is_admin=True):
    if not username or len(username) > 100:
        raise BadInput("a username of 1 to 100 characters is required")
    if len(password or "") < MIN_PASSWORD:
        raise BadInput(f"the password must have at least {MIN_PASSWORD} characters")
    if User.select().where(User.username == username).exists():
        raise BadInput(f"user {username!r} already exists")
    return User.create(
        username=username, password_hash=generate_password_hash(password), is_admin=is_admin
    )


def get_user(username):
    user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    return user


def authenticate(username, password):
    user = User.get_or_none(User.username == username)
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    user.save()
    return user


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name="token"):
    token = "hub_" + secrets.token_urlsafe(32)
    ApiToken.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token))
    return token


def user_for_token(token):
    if not token:
        return None
    row = (
        ApiToken.select()
        .join(User)
        .where(
            ApiToken.token_hash == _hash(token),
            ApiToken.revoked_at.is_null(True),
            User.active,
        )  # noqa: E712
        .first()
    )
    if row is None:
        return None
    row.last_used_at = utcnow()
    row.save()
    return row.user
