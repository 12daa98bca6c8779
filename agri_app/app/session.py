"""The signed-in user of this browser: a session token kept in `st.session_state` for the
websocket session and in a signed cookie, so that a reload or a new tab stays signed in.

Why a cookie written by a script: Streamlit reads cookies (`st.context.cookies`, the ones the
browser sent when the page opened its websocket) but has no way to send a `Set-Cookie` header
from a script run. `st.html(..., unsafe_allow_javascript=True)` (Streamlit >= 1.50) runs a
`<script>` in the page itself (not in an iframe, so `document.cookie` is the app's own), with no
component build and no extra package; it runs again only when its text changes.

What follows from that, on purpose:
- The cookie cannot be HttpOnly (a script cannot set that flag), so a script injected into the
  page could read it. The defences are that user text is escaped everywhere it is shown
  (`agri_app.app.text`), and that the token is opaque, stored only hashed, expires with its
  session row (`access.SESSION_LIFETIME`) and is revocable: sign-out, a password reset,
  `agri users revoke` or the Users page delete the row, and the cookie then opens nothing.
- The cookie is signed (HMAC-SHA256) with the workspace's own secret, kept in the workspace
  folder (`access.workspace_secret`), never in the repository; a cookie of another workspace on
  the same host (cookies ignore the port) fails the signature and is left alone, since its name
  carries a tag of the secret.
- SameSite=Lax, Path=/, Secure when the page is served over https.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from agri_app.app import data
from pipelines.store import access
from pipelines.store.access import Scope

TOKEN_KEY = "auth_token"
NOTICE_KEY = "auth_notice"
# Set once the browser's cookie has been looked at in this websocket session: the cookies of
# `st.context` are those of the page load and do not change when the script rewrites them.
_COOKIE_READ_KEY = "auth_cookie_read"
_COOKIE_VALUE_KEY = "auth_cookie_value"
# Set once this session has written a cookie, which the page-load cookies do not show.
_COOKIE_WRITTEN_KEY = "auth_cookie_written"
_ENDED = "Your session expired or was ended; sign in again."


@st.cache_resource
def _secret(workspace_root: Path) -> bytes:
    return access.workspace_secret(workspace_root)


def _cookie_secret() -> bytes:
    return _secret(data.settings().workspace.root.resolve())


def cookie_name(secret: bytes) -> str:
    """`agri_session_<tag>`: one name per workspace, derived from (not revealing) its secret."""
    tag = hmac.new(secret, b"cookie name", hashlib.sha256).hexdigest()[:10]
    return f"agri_session_{tag}"


def _browser_cookie() -> str | None:
    """Our cookie as the browser sent it with the page load (None outside a browser: AppTest's
    stand-in client answers with a mock, not text)."""
    value = st.context.cookies.get(cookie_name(_cookie_secret()))
    return value if isinstance(value, str) and value else None


def current_scope() -> Scope | None:
    """The scope of the live session, or None (never signed in, signed out or expired).

    A new websocket session (a reload, a new tab, a bookmark) picks the token up from the
    browser's signed cookie, once.
    """
    token = st.session_state.get(TOKEN_KEY)
    if not token and not st.session_state.get(_COOKIE_READ_KEY):
        st.session_state[_COOKIE_READ_KEY] = True
        cookie = _browser_cookie()
        if cookie:
            token = access.token_from_cookie(_cookie_secret(), cookie)
            if token is None:
                st.session_state[NOTICE_KEY] = _ENDED
            else:
                st.session_state[TOKEN_KEY] = token
    if not token:
        return None
    scope = access.session_scope(data.engine(), token)
    if scope is None:
        del st.session_state[TOKEN_KEY]
        st.session_state.pop(_COOKIE_VALUE_KEY, None)
        st.session_state[NOTICE_KEY] = _ENDED
    return scope


def require_scope() -> Scope:
    """For pages: the signed-in user's scope; stops the page when there is none."""
    scope = current_scope()
    if scope is None:
        st.warning("Sign in to see this page.")
        st.stop()
    return scope


def sign_in(username: str, password: str) -> None:
    """Raises `access.AccessError` with a message for the user."""
    st.session_state[TOKEN_KEY] = access.authenticate(data.engine(), username, password)
    st.session_state.pop(_COOKIE_VALUE_KEY, None)


def sign_out() -> None:
    """End the session in the database (so its cookie opens nothing any more) and here."""
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(_COOKIE_VALUE_KEY, None)
    st.session_state[_COOKIE_READ_KEY] = True  # the page-load cookie is stale from now on
    if token:
        access.end_session(data.engine(), token)


def sync_cookie(scope: Scope | None) -> None:
    """Make the browser's cookie match this session: written when signed in, deleted when not.

    Call once per run, after `current_scope`. Writes nothing when the browser already holds
    the right cookie (a reload), so most runs send no script at all.
    """
    secret = _cookie_secret()
    name = cookie_name(secret)
    held = _browser_cookie()
    token = st.session_state.get(TOKEN_KEY)
    if scope is not None and token:
        cookie = st.session_state.get(_COOKIE_VALUE_KEY)
        if cookie is None:
            expires_at = access.session_expires_at(data.engine(), token)
            if expires_at is None:
                return
            cookie = (access.sign_cookie(secret, token, expires_at), expires_at)
            st.session_state[_COOKIE_VALUE_KEY] = cookie
        value, expires_at = cookie
        if held != value:
            _write_cookie(name, value, expires_at)
            st.session_state[_COOKIE_WRITTEN_KEY] = True
    elif held or st.session_state.get(_COOKIE_WRITTEN_KEY):
        # Expired at once: the browser deletes it.
        _write_cookie(name, "", datetime(1970, 1, 1, tzinfo=UTC))


def _write_cookie(name: str, value: str, expires_at: datetime) -> None:
    expires = email.utils.format_datetime(expires_at.astimezone(UTC), usegmt=True)
    cookie = f"{name}={value}; Path=/; Expires={expires}; SameSite=Lax"
    script = (
        f"<script>document.cookie = {json.dumps(cookie)}"
        ' + (location.protocol === "https:" ? "; Secure" : "");</script>'
    )
    # A keyed, hidden container: the script runs, the page shows no gap for it.
    box = st.container(key="session_cookie")
    box.html(
        "<style>.st-key-session_cookie { display: none; }</style>" + script,
        unsafe_allow_javascript=True,
    )
