"""Users of the cooperative (admins only): who may sign in, whether they are locked out, when they
last signed in; reset a password, unlock, sign out everywhere, remove. The same operations as
`agri users reset-password|unlock|revoke|remove`, through `pipelines.store.access`."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from agri_app.app import data, session
from agri_app.app.text import escape_markdown
from pipelines.store import access

RESULT_KEY = "users_page_result"  # (kind, message, new password or None), shown once

scope = session.require_scope()
st.title("Users")
if not scope.can_manage_users:
    st.warning(
        "Only an admin of the cooperative manages users. Ask one to reset your password or "
        "change your farms."
    )
    st.stop()


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


engine = data.engine()
statuses = access.user_statuses(engine, scope.cooperative_id)
# Key columns first: on a phone the user and whether they can sign in stay in view.
st.dataframe(
    pd.DataFrame(
        {
            "User": [u.username for u in statuses],
            "State": [
                f"locked until {u.locked_until:%H:%M} UTC" if u.locked_until else "active"
                for u in statuses
            ],
            "Role": [u.role for u in statuses],
            "Farms": [", ".join(u.farm_ids) or "all farms" for u in statuses],
            "Last sign-in": [_when(u.last_sign_in) for u in statuses],
            "Open sessions": [u.live_sessions for u in statuses],
        }
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    "Add a user or change a user's role or farms with "
    "`agri users add NAME --role ROLE [--farm FARM_ID] --replace`."
)

st.subheader("Manage a user")
names = [u.username for u in statuses]
chosen = st.selectbox("User", names, key="users_page_user")
if chosen is None:
    st.stop()
status = next(u for u in statuses if u.username == chosen)
shown = escape_markdown(chosen)
is_self = chosen == scope.username
if is_self:
    st.info(
        "This is your own account: another admin, or `agri users reset-password` on the "
        "server, can reset its password."
    )


def _act(action: str) -> None:
    """Run one account action on `chosen` and keep its outcome for the next run."""
    new_password = None
    try:
        if action == "reset":
            new_password = access.generate_password()
            ended = access.reset_password(engine, chosen, new_password)
            message = f"New password for {shown}; {_sessions(ended)} ended."
        elif action == "unlock":
            was_locked = access.unlock(engine, chosen)
            message = f"{shown} unlocked." if was_locked else f"{shown} was not locked."
        elif action == "revoke":
            ended = access.revoke_sessions(engine, chosen)
            message = f"{shown} signed out everywhere; {_sessions(ended)} ended."
        else:
            ended = access.remove_user(engine, chosen)
            message = f"{shown} removed; {_sessions(ended)} ended."
    except access.AccessError as exc:
        st.session_state[RESULT_KEY] = ("error", escape_markdown(str(exc)), None)
    else:
        st.session_state[RESULT_KEY] = ("success", message, new_password)


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


actions = st.container(horizontal=True, gap="small")
if actions.button(
    "Reset password",
    key="users_reset",
    disabled=is_self,
    help="A new password is generated and shown once; the user's sessions end.",
):
    _act("reset")
    st.rerun()
if actions.button(
    "Unlock",
    key="users_unlock",
    disabled=is_self or status.locked_until is None,
    help="Lift the lockout after too many failed sign-ins; the password stays.",
):
    _act("unlock")
    st.rerun()
if actions.button(
    f"Sign out everywhere ({status.live_sessions})",
    key="users_revoke",
    disabled=is_self or status.live_sessions == 0,
    help="End every session of this user: each browser they use asks them to sign in again.",
):
    _act("revoke")
    st.rerun()

# The outcome of the last action, next to the buttons that caused it.
result = st.session_state.pop(RESULT_KEY, None)
if result is not None:
    kind, message, new_password = result
    (st.success if kind == "success" else st.error)(message)
    if new_password:
        st.code(new_password, language=None)
        st.caption("Shown once: pass it on to the user, who should keep it private.")

with st.expander("Remove this user"):
    confirmed = st.checkbox(
        "Yes, remove this account (uploads it made stay)",
        key="users_remove_confirm",
        disabled=is_self,
    )
    if st.button("Remove", key="users_remove", type="primary", disabled=is_self or not confirmed):
        _act("remove")
        st.session_state.pop("users_page_user", None)
        st.session_state.pop("users_remove_confirm", None)
        st.rerun()
