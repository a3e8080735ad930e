from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from hub.models.base import BaseModel, utcnow


class User(BaseModel):
    """A dashboard / API user. ``is_admin`` is the role: admin, or operator when false
    (hub.services.users documents what each may do)."""

    username = CharField(unique=True, max_length=100)
    password_hash = CharField(max_length=255)  # werkzeug.security hash, never the password
    is_admin = BooleanField(default=False)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    # an IANA name for the dashboard's times; null: the browser's (hub.web.filters)
    timezone = CharField(max_length=64, null=True)

    # the sign-in this object was loaded for (set by hub.services.users): flask-login keeps
    # this random, server-side revocable id in the session and remember-me cookies
    session_token = None

    @property
    def role(self):
        return "admin" if self.is_admin else "operator"

    # flask-login protocol
    @property
    def is_active(self):
        return self.active

    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        if not self.session_token:
            raise RuntimeError("sign users in with hub.services.users.start_session")
        return self.session_token


class ApiToken(BaseModel):
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    prefix = CharField(max_length=12)  # shown, to recognise a token
    token_hash = CharField(unique=True, max_length=64)  # sha256 of the token
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


class UserSession(BaseModel):
    """One dashboard sign-in. The cookie carries a random token; the row holds its hash.
    Signing out deletes the row, so a copied session or remember-me cookie stops working."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(unique=True, max_length=64)  # sha256 of the token
    remember = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    address = CharField(max_length=64, null=True)
    user_agent = CharField(max_length=255, null=True)


class LoginAttempt(BaseModel):
    """Every dashboard sign-in attempt (the throttle counts the failed ones)."""

    username = CharField(max_length=100, index=True)
    address = CharField(max_length=64, index=True)
    at = DateTimeField(default=utcnow, index=True)
    ok = BooleanField(default=False)
