"""Who may see what: local accounts, login rate limiting, expiring sessions and the `Scope`.

Every read query of the app takes a `Scope` (built here from a signed-in user) and filters by
it, so access is enforced in the library layer rather than only in the pages:

- `admin` and `agronomist` see every farm of their cooperative (`admin` also manages users);
- `member` sees only the farms listed for them in `user_farms`.

Passwords are hashed with scrypt (RFC 7914) and a per-user random salt; only the hash is stored.
A session is an opaque random token; only its SHA-256 is stored, so it can be revoked (sign-out,
password reset, `agri users revoke`) by deleting its row. The app keeps the token in a cookie
signed with the workspace's own secret (`workspace_secret`, `sign_cookie`, `token_from_cookie`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store.schema import (
    cooperatives,
    farms,
    login_attempts,
    user_farms,
    user_sessions,
    users,
)

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
            raise AccessError(
                f"user {username!r} exists already; redefine it with `--replace` "
                f"or give a new password with `agri users reset-password {username}`"
            )
        # A redefined user starts afresh: its sessions (which reference the row) end and a
        # lockout no longer holds, since the password it guarded is gone.
        conn.execute(user_sessions.delete().where(user_sessions.c.username == username))
        _clear_failed_attempts(conn, username, datetime.now(UTC))
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
            "or ask an admin to unlock your account (`agri users unlock USERNAME`, "
            "or Users in the app)"
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


def session_expires_at(engine: Engine, token: str) -> datetime | None:
    """When the session of `token` ends (UTC), or None when there is no such session."""
    with engine.connect() as conn:
        expires = conn.execute(
            sa.select(user_sessions.c.expires_at).where(
                user_sessions.c.token_sha256 == _token_hash(token)
            )
        ).scalar()
    if expires is None:
        return None
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            user_sessions.delete().where(user_sessions.c.token_sha256 == _token_hash(token))
        )


# ---- accounts: what `agri users` and the app's Users page do


@dataclass(frozen=True)
class UserStatus:
    """One account as an admin sees it."""

    username: str
    role: str
    cooperative_id: str
    farm_ids: tuple[str, ...]  # a member's farms; empty for the cooperative-wide roles
    locked_until: datetime | None
    last_sign_in: datetime | None
    live_sessions: int


def user_statuses(
    engine: Engine, cooperative_id: str | None = None, now: datetime | None = None
) -> list[UserStatus]:
    """Every user (of one cooperative, when given) with lockout, last sign-in and sessions."""
    now = now or datetime.now(UTC)
    query = sa.select(users.c.username, users.c.role, users.c.cooperative_id).order_by(
        users.c.username
    )
    if cooperative_id is not None:
        query = query.where(users.c.cooperative_id == cooperative_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        farms_of: dict[str, list[str]] = {}
        for username, farm_id in conn.execute(sa.select(user_farms)).all():
            farms_of.setdefault(username, []).append(farm_id)
        last_sign_in: dict[str, datetime] = dict(
            conn.execute(
                sa.select(login_attempts.c.username, sa.func.max(login_attempts.c.attempted_at))
                .where(login_attempts.c.succeeded)
                .group_by(login_attempts.c.username)
            ).all()
        )
        sessions: dict[str, int] = dict(
            conn.execute(
                sa.select(user_sessions.c.username, sa.func.count())
                .where(user_sessions.c.expires_at > now)
                .group_by(user_sessions.c.username)
            ).all()
        )
    return [
        UserStatus(
            username=username,
            role=role,
            cooperative_id=coop,
            farm_ids=tuple(sorted(farms_of.get(username, []))),
            locked_until=locked_until(engine, username, now),
            last_sign_in=_utc(last_sign_in.get(username)),
            live_sessions=int(sessions.get(username, 0)),
        )
        for username, role, coop in rows
    ]


def only_cooperative(engine: Engine) -> str:
    """The workspace's cooperative when it has exactly one; else the error names the choices."""
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                sa.select(cooperatives.c.cooperative_id).order_by(cooperatives.c.cooperative_id)
            ).scalars()
        )
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise AccessError(
            "this workspace has no cooperative yet; import its bundle first with "
            "`agri import BUNDLE`"
        )
    raise AccessError(
        f"this workspace has {len(ids)} cooperatives; pass --cooperative with one of "
        + ", ".join(ids)
    )


def reset_password(engine: Engine, username: str, password: str) -> int:
    """Give `username` a new password, end all its sessions and lift a lockout.

    Returns the number of sessions ended. A reset is the remedy for a compromised account, so a
    session opened with the old password must not outlive it.
    """
    if len(password) < 8:
        raise AccessError("a password needs at least 8 characters")
    with engine.begin() as conn:
        _require_user(conn, username)
        conn.execute(
            users.update()
            .where(users.c.username == username)
            .values(password_hash=hash_password(password))
        )
        _clear_failed_attempts(conn, username, datetime.now(UTC))
        return _delete_sessions(conn, username)


def unlock(engine: Engine, username: str, now: datetime | None = None) -> bool:
    """Lift a lockout (forget the failed sign-ins that caused it); True if there was one."""
    now = now or datetime.now(UTC)
    was_locked = locked_until(engine, username, now) is not None
    with engine.begin() as conn:
        _require_user(conn, username)
        _clear_failed_attempts(conn, username, now)
    return was_locked


def revoke_sessions(engine: Engine, username: str) -> int:
    """End every session of `username` (signed out in every browser); returns how many."""
    with engine.begin() as conn:
        _require_user(conn, username)
        return _delete_sessions(conn, username)


def remove_user(engine: Engine, username: str) -> int:
    """Delete `username`, its farms, sessions and sign-in record; returns the sessions ended.

    Uploads it made stay, still attributed to the name.
    """
    with engine.begin() as conn:
        _require_user(conn, username)
        ended = _delete_sessions(conn, username)
        conn.execute(login_attempts.delete().where(login_attempts.c.username == username))
        conn.execute(user_farms.delete().where(user_farms.c.username == username))
        conn.execute(users.delete().where(users.c.username == username))
    return ended


def _require_user(conn: sa.Connection, username: str) -> None:
    found = conn.execute(sa.select(users.c.username).where(users.c.username == username)).first()
    if found is None:
        raise AccessError(f"no user {username!r}; `agri users list` shows who exists")


def _delete_sessions(conn: sa.Connection, username: str) -> int:
    result = conn.execute(user_sessions.delete().where(user_sessions.c.username == username))
    return int(result.rowcount or 0)


def _clear_failed_attempts(conn: sa.Connection, username: str, now: datetime) -> None:
    """Forget the failed sign-ins that count towards a lockout (older ones are kept)."""
    conn.execute(
        login_attempts.delete()
        .where(login_attempts.c.username == username)
        .where(sa.not_(login_attempts.c.succeeded))
        .where(login_attempts.c.attempted_at > now - LOCKOUT)
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---- the signed session cookie
#
# The cookie carries the opaque token, its expiry and an HMAC of both under a secret that lives
# in the workspace folder (never in the repository). The token alone already proves nothing
# without its row in `user_sessions`; the signature lets the app refuse a tampered or stale
# cookie before touching the database, and binds the expiry the browser was told.

SECRET_FILE = Path("secrets") / "session_cookie.key"


def workspace_secret(workspace_root: Path) -> bytes:
    """The workspace's cookie-signing secret, created (32 random bytes, owner-only) on first use."""
    path = workspace_root / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: two processes starting at once agree on one secret (the loser reads it).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # the creator may still be writing
        text = path.read_text().strip()
        if len(text) == 64:
            return bytes.fromhex(text)
        time.sleep(0.01)
    raise AccessError(f"{path} is not a cookie secret; delete it and it will be made again")


def sign_cookie(secret: bytes, token: str, expires_at: datetime) -> str:
    """`token.expiry.signature`: the cookie value for a session ending at `expires_at`."""
    payload = f"{token}.{int(expires_at.timestamp())}"
    return f"{payload}.{_cookie_signature(secret, payload)}"


def token_from_cookie(secret: bytes, value: str, now: datetime | None = None) -> str | None:
    """The session token of a cookie signed by `sign_cookie` and not yet expired, else None."""
    now = now or datetime.now(UTC)
    payload, _, signature = value.rpartition(".")
    token, _, expiry = payload.partition(".")
    if not token or not expiry.isdigit():
        return None
    if not hmac.compare_digest(signature, _cookie_signature(secret, payload)):
        return None
    if int(expiry) <= now.timestamp():
        return None
    return token


def _cookie_signature(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password", salt=b"\x00" * 16)
