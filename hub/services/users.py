"""Users, roles, dashboard sessions, the sign-in throttle and API tokens.

* Passwords are werkzeug hashes. An unknown user name costs the same hash check as a known one
  (a dummy hash), so the answer time does not tell which names exist.
* Roles: ``admin`` (``User.is_admin``) or ``operator``. An operator sees everything, runs
  feeds, resolves and retries events, ships and cancels orders, adjusts and transfers stock,
  purchases, and manages their own API tokens and sessions. Only an admin adds or changes
  integrations (settings, credentials, mappings, schedules, go-live / test mode), manages
  warehouses, users, and the tokens and sessions of others. The dashboard's table of what an
  operator may open is ``hub.web.roles.OPERATOR_ENDPOINTS``; API routes say ``admin=True``.
* A dashboard sign-in is a ``UserSession`` row: the cookies (session and remember-me) carry a
  random token, the row its SHA-256. Signing out deletes the row; "sign out everywhere",
  deactivating or deleting the user delete them all. Remember-me lasts ``REMEMBER_DAYS``;
  a plain session ends after ``IDLE_HOURS`` without a request.
* Every sign-in attempt is recorded (``LoginAttempt``). After ``ACCOUNT_FREE_FAILURES`` failures
  for a user name (since its last success, within ``THROTTLE_WINDOW``) or
  ``ADDRESS_FREE_FAILURES`` from one address, each further attempt must wait 2^(n - free)
  seconds after the last failure, at most ``MAX_DELAY``: ``login_delay`` says how long.
* API tokens are stored as SHA-256 and shown once.
"""

import functools
import hashlib
import logging
import math
import secrets
from datetime import timedelta

from peewee import fn
from werkzeug.security import check_password_hash, generate_password_hash

from hub.db import db
from hub.engine.schedule import zone
from hub.errors import BadInput, HubError, NotFound
from hub.models import ApiToken, LoginAttempt, User, UserSession, iso, utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD = 8
ROLES = ("admin", "operator")

REMEMBER_DAYS = 30
IDLE_HOURS = 12
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at / idle expiry written at most this often

THROTTLE_WINDOW = timedelta(hours=1)
ACCOUNT_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20
MAX_DELAY = 15 * 60
ATTEMPT_RETENTION = timedelta(days=90)


class LoginThrottled(HubError):
    """Too many failed sign-ins: wait ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, retry_after):
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


# -- users ---------------------------------------------------------------------------------


def _check_password(password):
    if len(password or "") < MIN_PASSWORD:
        raise BadInput(f"the password must have at least {MIN_PASSWORD} characters")


def create_user(username, password, is_admin=True):
    if not username or len(username) > 100:
        raise BadInput("a username of 1 to 100 characters is required")
    _check_password(password)
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


def get_user_by_id(user_id):
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"unknown user id {user_id}")
    return user


def _other_active_admins(user):
    return (
        User.select()
        .where(User.is_admin == True, User.active == True, User.id != user.id)  # noqa: E712
        .count()
    )


def _keep_an_admin(user, action):
    if user.is_admin and user.active and not _other_active_admins(user):
        raise BadInput(f"cannot {action} {user.username!r}: it is the last active admin")


def set_active(user, active):
    """Activate or deactivate. Deactivating ends the user's sessions at once; their API
    tokens are refused while the user is inactive (and work again if re-activated)."""
    if not active:
        _keep_an_admin(user, "deactivate")
    with db.atomic():
        User.update(active=bool(active)).where(User.id == user.id).execute()
        if not active:
            end_all_sessions(user)
    user.active = bool(active)
    return user


def set_role(user, role):
    if role not in ROLES:
        raise BadInput(f"the role must be one of {', '.join(ROLES)}")
    if role != "admin":
        _keep_an_admin(user, "make an operator of")
    User.update(is_admin=role == "admin").where(User.id == user.id).execute()
    user.is_admin = role == "admin"
    return user


def delete_user(user):
    """Delete a user with their sessions and tokens (shipments and events they recorded keep
    the name)."""
    _keep_an_admin(user, "delete")
    with db.atomic():
        UserSession.delete().where(UserSession.user == user.id).execute()
        ApiToken.delete().where(ApiToken.user == user.id).execute()
        User.delete().where(User.id == user.id).execute()


def set_password(user, password, *, keep_session=None):
    """A new password (an admin's reset, ``hub users passwd``): every session of the user ends
    but the one whose token is ``keep_session`` (someone changing their own password stays
    signed in where they are). API tokens are not passwords and keep working."""
    _check_password(password)
    with db.atomic():
        User.update(password_hash=generate_password_hash(password)).where(
            User.id == user.id
        ).execute()
        ended = UserSession.delete().where(UserSession.user == user.id)
        if keep_session:
            ended = ended.where(UserSession.token_hash != _hash(keep_session))
        ended.execute()


def change_own_password(user, current, new, *, keep_session=None, address=""):
    """A user changing their own password: the current one is asked first, under the sign-in
    throttle (a wrong one counts as a failed sign-in: a stolen session cannot guess it)."""
    delay = login_delay(user.username, address)
    if delay:
        raise LoginThrottled(delay)
    ok = check_password_hash(user.password_hash, current or "")
    record_attempt(user.username, address, ok)
    if not ok:
        raise BadInput("the current password is not right")
    set_password(user, new, keep_session=keep_session)


def set_timezone(user, name):
    """The time zone the dashboard shows this user's times in: an IANA name such as
    ``Europe/Paris``, or empty for the browser's."""
    name = (name or "").strip() or None
    if name is not None:
        zone(name)  # BadInput for an unknown one
    User.update(timezone=name).where(User.id == user.id).execute()
    user.timezone = name
    return user


def user_summary(user):
    return {
        "username": user.username,
        "role": user.role,
        "admin": user.is_admin,
        "active": user.active,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "timezone": user.timezone,
    }


# -- passwords and the sign-in throttle ----------------------------------------------------


@functools.cache
def _dummy_hash():
    """A hash of a random password, made like real ones: checked for unknown user names."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _delay(failures, last_failure, free, now):
    if failures < free or last_failure is None:
        return 0
    wait = min(2 ** (failures - free), MAX_DELAY)
    remaining = (last_failure + timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(remaining))


def _failures(where, since):
    row = (
        LoginAttempt.select(fn.COUNT(LoginAttempt.id), fn.MAX(LoginAttempt.at))
        .where(where, LoginAttempt.ok == False, LoginAttempt.at > since)  # noqa: E712
        .tuples()
        .first()
    )
    return row or (0, None)


def login_delay(username, address, now=None):
    """Seconds to wait before the next sign-in attempt for this user name or address (0: go)."""
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    username, address = _key(username), _key(address, 64)
    last_ok = (
        LoginAttempt.select(fn.MAX(LoginAttempt.at))
        .where(LoginAttempt.username == username, LoginAttempt.ok == True)  # noqa: E712
        .scalar()
    )
    account = _failures(LoginAttempt.username == username, max(since, last_ok or since))
    by_address = _failures(LoginAttempt.address == address, since)
    return max(
        _delay(*account, ACCOUNT_FREE_FAILURES, now),
        _delay(*by_address, ADDRESS_FREE_FAILURES, now),
    )


def _key(value, size=100):
    return (value or "")[:size]


def record_attempt(username, address, ok, now=None):
    now = now or utcnow()
    LoginAttempt.create(username=_key(username), address=_key(address, 64), at=now, ok=ok)
    if not ok:
        log.warning("failed sign-in for %r from %s", _key(username), address)
        LoginAttempt.delete().where(LoginAttempt.at < now - ATTEMPT_RETENTION).execute()


def authenticate(username, password, address="", now=None):
    """The active user with this name and password, or None; every attempt is recorded.
    Raises LoginThrottled (without checking the password) while the name or address must
    wait."""
    delay = login_delay(username, address, now)
    if delay:
        raise LoginThrottled(delay)
    known = username and len(username) <= 100
    user = User.get_or_none(User.username == username) if known else None
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    ok = bool(valid and user is not None and user.active)
    record_attempt(username, address, ok, now)
    if not ok:
        return None
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    return user


def recent_failures(limit=20):
    return list(
        LoginAttempt.select()
        .where(LoginAttempt.ok == False)  # noqa: E712
        .order_by(LoginAttempt.id.desc())
        .limit(limit)
    )


# -- dashboard sessions --------------------------------------------------------------------


def start_session(user, remember=False, address=None, user_agent=None):
    """A new sign-in: returns the token the cookies carry (also set as ``user.session_token``)."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=REMEMBER_DAYS) if remember else timedelta(hours=IDLE_HOURS)
    UserSession.delete().where(UserSession.user == user.id, UserSession.expires_at < now).execute()
    UserSession.create(
        user=user,
        token_hash=_hash(token),
        remember=bool(remember),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        address=_key(address, 64) or None,
        user_agent=_key(user_agent, 255) or None,
    )
    user.session_token = token
    return token


def user_for_session(token):
    """The active user of a live session token, or None."""
    if not token or not isinstance(token, str):
        return None
    now = utcnow()
    row = (
        UserSession.select(UserSession, User)
        .join(User)
        .where(
            UserSession.token_hash == _hash(token),
            UserSession.expires_at > now,
            User.active == True,  # noqa: E712
        )
        .first()
    )
    if row is None:
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        changes = {UserSession.last_seen_at: now}
        if not row.remember:
            changes[UserSession.expires_at] = now + timedelta(hours=IDLE_HOURS)
        UserSession.update(changes).where(UserSession.id == row.id).execute()
    user = row.user
    user.session_token = token
    return user


def session_of(token):
    return UserSession.get_or_none(UserSession.token_hash == _hash(token or ""))


def end_session(token):
    """Sign-out: this session (and its remember-me cookie) stops working."""
    if token:
        UserSession.delete().where(UserSession.token_hash == _hash(token)).execute()


def end_session_id(user, session_id):
    deleted = (
        UserSession.delete()
        .where(UserSession.id == session_id, UserSession.user == user.id)
        .execute()
    )
    if not deleted:
        raise NotFound(f"unknown session id {session_id}")


def end_all_sessions(user):
    """Sign out everywhere: returns how many sessions ended."""
    return UserSession.delete().where(UserSession.user == user.id).execute()


def list_sessions(user):
    return list(
        UserSession.select()
        .where(UserSession.user == user.id, UserSession.expires_at > utcnow())
        .order_by(UserSession.id.desc())
    )


# -- API tokens ----------------------------------------------------------------------------


def create_token(user, name="token"):
    token = "hub_" + secrets.token_urlsafe(32)
    ApiToken.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token))
    return token


def list_tokens(user):
    return list(ApiToken.select().where(ApiToken.user == user.id).order_by(ApiToken.id.desc()))


def find_token(user, ref):
    """A token of ``user`` by id or by its shown prefix."""
    ref = str(ref).strip().rstrip("…")
    query = ApiToken.select().where(ApiToken.user == user.id)
    if ref.isdigit() and len(ref) < 19:
        row = query.where(ApiToken.id == int(ref)).first()
    else:
        rows = list(query.where(ApiToken.prefix == ref[:10])) if len(ref) >= 6 else []
        if len(rows) > 1:
            raise BadInput(f"prefix {ref!r} matches several tokens: use the id")
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"{user.username!r} has no token {ref!r}")
    return row


def revoke_token(token):
    if token.revoked_at is None:
        ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == token.id).execute()
        token.revoked_at = utcnow()
    return token


def token_summary(token):
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }


def user_for_token(token):
    if not token:
        return None
    row = (
        ApiToken.select(ApiToken, User)
        .join(User)
        .where(
            ApiToken.token_hash == _hash(token),
            ApiToken.revoked_at.is_null(True),
            User.active == True,  # noqa: E712
        )
        .first()
    )
    if row is None:
        return None
    ApiToken.update(last_used_at=utcnow()).where(ApiToken.id == row.id).execute()
    return row.user
