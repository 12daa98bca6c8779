"""Who may see what: local accounts, login rate limiting, expiring sessions and the `Scope`.

Every read query of the app takes a `Scope` (built here from a signed-in user) and filters by
it, so access is enforced in the library layer rather than only in the pages:

- `admin` and `agronomist` see every farm of their cooperative (`admin` also manages users);
- `member` sees only the farms listed for them in `user_farms`.

Passwords are hashed with scrypt (RFC 7914) and a per-user random salt; only the hash is stored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store.schema import farms, login_attempts, user_farms, user_sessions, users

ROLES = ("admin", "agronomist", "member")
# scrypt cost: n=2**14, r=8, p=1 is the interactive-login setting of RFC 7914 section 2 / OWASP.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCRYPT_DKLEN = 32
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)


class AccessError(RuntimeError):
    """Bad credentials, a locked account or an invalid user definition; the message says why."""


@dataclass(frozen=True)
class Scope:
    """What one signed-in user may read: a cooperative, and all its farms or a list of them."""

    username: str
    role: str
    cooperative_id: str
    farm_ids: tuple[str, ...] | None = None  # None: every farm of the cooperative

    @property
    def can_manage_users(self) -> bool:
        return self.role == "admin"

    def farm_filter(self, farm_id_column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
        """A WHERE clause on a farm id column that keeps only this scope's farms."""
        in_coop = farm_id_column.in_(
            sa.select(farms.c.farm_id).where(farms.c.cooperative_id == self.cooperative_id)
        )
        if self.farm_ids is None:
            return in_coop
        return sa.and_(in_coop, farm_id_column.in_(self.farm_ids))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt_hex$hash_hex` for `password` with a fresh (or given) 16-byte salt."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=64 * 1024 * 1024,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(salt_hex),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(hash_hex) // 2,
        maxmem=64 * 1024 * 1024,
    )
    return hmac.compare_digest(digest.hex(), hash_hex)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    cooperative_id: str,
    farm_ids: tuple[str, ...] | list[str] = (),
    *,
    replace: bool = False,
) -> None:
    """Create (or with `replace`, redefine) a user; a member needs at least one farm."""
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise AccessError("a username needs 1 to 64 characters")
    if len(password) < 8:
        raise AccessError("a password needs at least 8 characters")
    if role == "member" and not farm_ids:
        raise AccessError("a member needs at least one farm: pass --farm FARM_ID")
    with engine.begin() as conn:
        coop_farms = set(
            conn.execute(
                sa.select(farms.c.farm_id).where(farms.c.cooperative_id == cooperative_id)
            ).scalars()
        )
        if not coop_farms:
            raise AccessError(
                f"cooperative {cooperative_id!r} has no farms in this workspace; "
                "import its bundle first with `agri import BUNDLE`"
            )
        unknown = sorted(set(farm_ids) - coop_farms)
        if unknown:
            raise AccessError(f"farm(s) {', '.join(unknown)} are not in {cooperative_id!r}")
        exists = conn.execute(
            sa.select(users.c.username).where(users.c.username == username)
        ).first()
        if exists and not replace:
            raise AccessError(f"user {username!r} exists already")
        conn.execute(user_farms.delete().where(user_farms.c.username == username))
        conn.execute(users.delete().where(users.c.username == username))
        conn.execute(
            users.insert().values(
                username=username,
                role=role,
                cooperative_id=cooperative_id,
                password_hash=hash_password(password),
                created_at=datetime.now(UTC),
            )
        )
        if role == "member":
            conn.execute(
                user_farms.insert(), [{"username": username, "farm_id": f} for f in farm_ids]
            )


def list_users(engine: Engine) -> list[dict[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(users.c.username, users.c.role, users.c.cooperative_id).order_by(
                users.c.username
            )
        ).all()
        links = conn.execute(sa.select(user_farms)).all()
    farms_of: dict[str, list[str]] = {}
    for username, farm_id in links:
        farms_of.setdefault(username, []).append(farm_id)
    return [
        {
            "username": u,
            "role": r,
            "cooperative_id": c,
            "farms": ", ".join(sorted(farms_of.get(u, []))) or "(all)",
        }
        for u, r, c in rows
    ]


def user_exists(engine: Engine, username: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(users.c.username).where(users.c.username == username)).first()
            is not None
        )


def scope_for(engine: Engine, username: str) -> Scope:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.role, users.c.cooperative_id).where(users.c.username == username)
        ).first()
        if row is None:
            raise AccessError(f"no user {username!r}")
        farm_ids = tuple(
            sorted(
                conn.execute(
                    sa.select(user_farms.c.farm_id).where(user_farms.c.username == username)
                ).scalars()
            )
        )
    return Scope(username, row.role, row.cooperative_id, farm_ids if row.role == "member" else None)


def locked_until(engine: Engine, username: str, now: datetime | None = None) -> datetime | None:
    """When the account unlocks, if `MAX_FAILED_ATTEMPTS` failures in a row fall in `LOCKOUT`."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        recent = conn.execute(
            sa.select(login_attempts.c.attempted_at, login_attempts.c.succeeded)
            .where(login_attempts.c.username == username)
            .where(login_attempts.c.attempted_at > now - LOCKOUT)
            .order_by(login_attempts.c.attempt_id.desc())
            .limit(MAX_FAILED_ATTEMPTS)
        ).all()
    if len(recent) < MAX_FAILED_ATTEMPTS or any(ok for _, ok in recent):
        return None
    last = recent[0][0]
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return last + LOCKOUT


def authenticate(engine: Engine, username: str, password: str, now: datetime | None = None) -> str:
    """Check the password and open a session; returns the session token.

    Raises `AccessError` on a wrong user or password and while the account is locked out;
    every attempt is recorded, and attempts on a locked account do not reach the password check.
    """
    now = now or datetime.now(UTC)
    until = locked_until(engine, username, now)
    if until is not None:
        raise AccessError(
            f"too many failed sign-ins; try again after {until:%H:%M} UTC "
            "or ask an admin to reset the password with `agri users add --replace`"
        )
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(users.c.password_hash).where(users.c.username == username)
        ).scalar()
    # Hash even for unknown users so timing does not tell which usernames exist.
    ok = verify_password(password, stored or _dummy_hash())
    ok = ok and stored is not None
    with engine.begin() as conn:
        conn.execute(
            login_attempts.insert().values(username=username, attempted_at=now, succeeded=ok)
        )
    if not ok:
        # Raised after the block commits: the failed attempt must be recorded for the lockout.
        raise AccessError("wrong username or password")
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(user_sessions.delete().where(user_sessions.c.expires_at < now))
        conn.execute(
            user_sessions.insert().values(
                token_sha256=_token_hash(token),
                username=username,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token


def session_scope(engine: Engine, token: str, now: datetime | None = None) -> Scope | None:
    """The scope of a live session, or None when the token is unknown or expired."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(user_sessions.c.username, user_sessions.c.expires_at).where(
                user_sessions.c.token_sha256 == _token_hash(token)
            )
        ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return None
    return scope_for(engine, row.username)


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            user_sessions.delete().where(user_sessions.c.token_sha256 == _token_hash(token))
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password", salt=b"\x00" * 16)
