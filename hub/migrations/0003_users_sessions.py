"""Server-side dashboard sessions (a copied cookie stops working after sign-out) and the
record of sign-in attempts (the login throttle counts the failed ones)."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    class User(Model):
        id = IntegerField(primary_key=True)

        class Meta:
            database = db
            table_name = "user"

    class UserSession(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        token_hash = CharField(unique=True, max_length=64)
        remember = BooleanField(default=False)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        expires_at = DateTimeField(index=True)
        address = CharField(max_length=64, null=True)
        user_agent = CharField(max_length=255, null=True)

        class Meta:
            database = db
            table_name = "user_session"

    class LoginAttempt(Model):
        username = CharField(max_length=100, index=True)
        address = CharField(max_length=64, index=True)
        at = DateTimeField(index=True)
        ok = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "login_attempt"

    db.create_tables([UserSession, LoginAttempt])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("login_attempt"))
    migrator.migrate(migrator.drop_table("user_session"))
