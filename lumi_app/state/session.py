"""Who is signed in, and the tokens that prove it.

What lives where:

- Browser: only ``lumi_sid``, an opaque random session id (cookie, 30 days) and the
  signed-in person's public profile fields. Never a token.
- Reflex state (in Redis, shared by every backend process): the access token, its expiry
  and the refresh token, in backend-only vars (underscore names are never sent to the
  browser).
- Redis session store (``session_store``): sha256(session id) → refresh token + user id,
  30 days. A new tab, a reload after the state expired, or another backend process
  resumes the session from it by refreshing the access token.

Every API call of a page goes through :meth:`SessionState.call`, which refreshes the
access token when it has under a minute left and retries once after a 401.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import reflex as rx
from redis.exceptions import RedisError
from reflex_base.event import EventSpec

from backend.contracts import AuthSession, AuthTokens, Profile
from lumi_app import routes
from lumi_app.api_client import ApiError, LumiApi, get_api
from lumi_app.state.form_errors import show_error
from lumi_app.state.session_store import (
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
    delete_session,
    load_session,
    new_session_id,
    save_session,
    session_hash,
)
from lumi_app.state.views import initials_of

log = logging.getLogger("lumi.app.session")

T = TypeVar("T")

REFRESH_MARGIN_SECONDS = 60
SESSION_ENDED_MESSAGE = "Your session has ended, please log in again."
STORE_UNREACHABLE_MESSAGE = "Lumi can't reach its session store right now, try again."


class SessionEnded(ApiError):
    """The refresh token no longer works (logged out elsewhere, expired, account deleted)."""

    def __init__(self) -> None:
        super().__init__(401, "session_expired", SESSION_ENDED_MESSAGE)


class SessionState(rx.State):
    """The signed-in person, shared by every page."""

    sid: str = rx.Cookie("", name=SESSION_COOKIE, path="/", max_age=SESSION_TTL_SECONDS, same_site="lax")

    signed_in: bool = False
    # Set when the last attempt to resume failed because a server could not be reached.
    unreachable_message: str = ""

    user_id: str = ""
    username: str = ""
    display_name: str = ""
    email: str = ""
    avatar_url: str = ""
    relationship_id: str = ""

    _access_token: str = ""
    _access_expires_at: float = 0.0
    _refresh_token: str = ""
    _sid_hash: str = ""

    @rx.var(cache=True)
    def initials(self) -> str:
        return initials_of(self.display_name or self.username)

    @rx.var(cache=True)
    def is_paired(self) -> bool:
        return bool(self.relationship_id)

    @rx.var(cache=True)
    def context_key(self) -> str:
        """Who is signed in and in which relationship. A page's data is shown only while the
        key it was loaded for still matches, so nobody sees a stale partner after pairing,
        leaving, or someone else signing in on this tab."""
        return f"{self.user_id}:{self.relationship_id}"

    # ------------------------------------------------------------ used by other states (see the functions below)

    def _set_profile(self, profile: Profile) -> None:
        self.user_id = profile.user_id
        self.username = profile.username
        self.display_name = profile.display_name
        self.email = profile.email
        self.avatar_url = profile.avatar_url or ""
        self.relationship_id = profile.relationship_id or ""

    async def _call(self, action: Callable[[LumiApi, str], Awaitable[T]]) -> T:
        """Run an API call with a fresh access token; refresh and retry once on a 401."""
        token = await self._fresh_access_token()
        try:
            return await action(get_api(), token)
        except ApiError as error:
            if error.status != 401:
                raise
        token = await self._refresh()
        try:
            return await action(get_api(), token)
        except ApiError as error:
            if error.status == 401:
                await self._end()
                raise SessionEnded() from error
            raise

    async def _start(self, auth: AuthSession) -> None:
        """Begin a session after register or login: a new session id, stored in Redis."""
        if self.sid:  # a dead session this browser still names; it will never be resumed
            try:
                await delete_session(self.sid)
            except RedisError:
                log.warning("could not delete the previous stored session; it expires on its own")
        sid = new_session_id()
        await save_session(sid, auth.tokens.refresh_token, auth.profile.user_id)
        self.sid = sid
        self._sid_hash = session_hash(sid)
        self._set_tokens(auth.tokens)
        self._set_profile(auth.profile)
        self.signed_in = True
        self.unreachable_message = ""

    def _login_redirect(self) -> EventSpec:
        url = self.router.url
        return rx.redirect(routes.login_url(url.path + (f"?{url.query}" if url.query else "")), replace=True)

    # ------------------------------------------------------------ events

    @rx.event
    async def require_signed_in(self):
        """on_load of every protected page: resume the session or send the person to sign in."""
        if await self._resume():
            return None
        if self.unreachable_message:
            return None  # the shell says so and offers to retry; the session is kept
        return self._login_redirect()

    @rx.event
    async def redirect_if_signed_in(self):
        """on_load of the sign-in and sign-up pages: a signed-in person goes straight to the app."""
        if await self._resume():
            return rx.redirect(routes.safe_next(self.router.url.query_parameters.get("next")), replace=True)
        return None

    @rx.event
    async def check(self):
        """on_load of public pages that only adapt to being signed in (the landing page)."""
        await self._resume()

    @rx.event
    async def retry(self):
        """Try again after a server could not be reached; reload so the page's own loading runs too."""
        if await self._resume():
            return rx.call_script("window.location.reload()")
        if self.unreachable_message:
            return None
        return self._login_redirect()

    @rx.event
    async def logout(self):
        # Say goodbye to presence while the access token still works.
        await _going_offline(self)
        if self._access_token or self._refresh_token:
            refresh_token = self._refresh_token
            try:
                await self._call(lambda api, token: api.logout(token, refresh_token))
            except ApiError as error:
                log.info("logout at the API failed (%s); forgetting the session anyway", error.code)
        await self._end()
        # _end() empties the lumi_sid cookie through the state delta. Not rx.remove_cookie:
        # it re-hydrates the current (protected) page, which races the redirect to /login.
        return rx.redirect(routes.LANDING)

    # ------------------------------------------------------------ internals

    def _set_tokens(self, tokens: AuthTokens) -> None:
        self._access_token = tokens.access_token
        self._access_expires_at = time.time() + tokens.expires_in
        if tokens.refresh_token:
            self._refresh_token = tokens.refresh_token

    def _clear(self) -> None:
        self._access_token = ""
        self._access_expires_at = 0.0
        self._refresh_token = ""
        self._sid_hash = ""
        self.signed_in = False
        self.user_id = self.username = self.display_name = self.email = ""
        self.avatar_url = self.relationship_id = ""

    async def _end(self) -> None:
        sid = self.sid
        self._clear()
        self.sid = ""
        try:
            await delete_session(sid)
        except RedisError:
            log.warning("could not delete the stored session; it expires on its own")

    async def _resume(self) -> bool:
        """Make sure this tab holds a live session matching the browser's cookie.

        Cheap when the tab is already signed in (one Redis read to notice a logout in
        another tab); otherwise refreshes the access token from the stored refresh token.
        """
        self.unreachable_message = ""
        sid = self.sid
        if not sid:
            if self.signed_in or self._refresh_token:
                self._clear()
            return False
        try:
            stored = await load_session(sid)
        except RedisError:
            log.warning("session store unreachable")
            self.unreachable_message = STORE_UNREACHABLE_MESSAGE
            return False
        if stored is None:
            self._clear()
            self.sid = ""
            return False
        if self.signed_in and self._sid_hash == session_hash(sid) and self._refresh_token:
            return True
        # A new tab, an expired tab state, or a different session in this browser.
        self._clear()
        self._refresh_token = stored.refresh_token
        self._sid_hash = session_hash(sid)
        self.user_id = stored.user_id
        try:
            await self._refresh()
            self._set_profile(await get_api().me(self._access_token))
        except SessionEnded:
            return False
        except ApiError as error:
            if error.is_network or error.status >= 500:
                self.unreachable_message = error.message
                return False
            log.info("resuming the session failed (%s)", error.code)
            await self._end()
            return False
        self.signed_in = True
        return True

    async def _fresh_access_token(self) -> str:
        if not self._refresh_token and not await self._resume():
            raise SessionEnded()
        if not self._access_token or self._access_expires_at - time.time() < REFRESH_MARGIN_SECONDS:
            return await self._refresh()
        return self._access_token

    async def _refresh(self) -> str:
        """Trade the refresh token for a new access token; a refused one ends the session."""
        if not self._refresh_token:
            raise SessionEnded()
        try:
            tokens = await get_api().refresh(self._refresh_token)
        except ApiError as error:
            if error.status in (400, 401, 403, 404):
                await self._end()
                raise SessionEnded() from error
            raise
        rotated = tokens.refresh_token and tokens.refresh_token != self._refresh_token
        self._set_tokens(tokens)
        if rotated:
            try:
                await save_session(self.sid, self._refresh_token, self.user_id or "")
            except RedisError:
                log.warning("could not store the rotated refresh token")
        return self._access_token


# ---------------------------------------------------------------- for page states
# Plain functions rather than public methods: every public method of a State is an event
# the browser could trigger, and none of these may be.


async def api_call(state: rx.State, action: Callable[[LumiApi, str], Awaitable[T]]) -> T:
    """Call the API as the signed-in person: ``await api_call(self, lambda api, token: api.me(token))``.

    Raises SessionEnded when the session cannot be renewed (send the person to sign in
    with ``login_redirect``), ApiError for anything else.
    """
    session = await state.get_state(SessionState)
    return await session._call(action)


async def begin_session(state: rx.State, auth: AuthSession) -> None:
    session = await state.get_state(SessionState)
    await session._start(auth)


async def sign_in(
    state: Any,
    authenticate: Callable[[], Awaitable[AuthSession]],
    *,
    codes: Mapping[str, str],
    fields: Mapping[str, str],
) -> bool:
    """Log in or sign up from a form: begin the session the API grants, or show why not.

    The form's state keeps ``busy`` (ended here) and ``error``; ``codes``/``fields`` place an
    API error beside its field (see ``show_error``).
    """
    try:
        await begin_session(state, await authenticate())
    except ApiError as failure:
        show_error(state, failure, codes=codes, fields=fields)
        return False
    except RedisError:
        state.error = STORE_UNREACHABLE_MESSAGE
        return False
    finally:
        state.busy = False
    return True


async def end_session(state: rx.State) -> None:
    """Forget the session here and in Redis (after the account was deleted)."""
    session = await state.get_state(SessionState)
    await session._end()


async def refresh_profile(state: rx.State) -> Profile:
    """Fetch the signed-in person's profile again (names, avatar, relationship) and show it."""
    session = await state.get_state(SessionState)
    profile = await session._call(lambda api, token: api.me(token))
    session._set_profile(profile)
    return profile


async def show_profile(state: rx.State, profile: Profile) -> None:
    session = await state.get_state(SessionState)
    session._set_profile(profile)


async def access_token(state: rx.State, *, renew: bool = False) -> tuple[str, float]:
    """A working access token and when it expires, for long-running tasks that call the API
    outside the state lock. ``renew`` trades the refresh token for a new one (after a 401)."""
    session = await state.get_state(SessionState)
    token = await (session._refresh() if renew else session._fresh_access_token())
    return token, session._access_expires_at


class ApiOutsideLock:
    """API calls from a background event, made outside the tab's state lock.

    A page that needs several things fetches them at once (:meth:`gather`) while the tab's
    other events run; the lock is taken only to read the access token, and to renew it once
    after a 401 (a second 401 ends the session, as :meth:`SessionState._call` does). The
    caller must not hold the lock itself (``async with state`` does not nest). One instance
    may serve a task for long: the token is kept until it nears its expiry.
    """

    def __init__(self, state: Any) -> None:
        self.state = state
        self._token = ""
        self._expires_at = 0.0
        self._renewing = asyncio.Lock()

    async def call(self, action: Callable[[LumiApi, str], Awaitable[T]]) -> T:
        token = await self._current_token()
        try:
            return await action(get_api(), token)
        except ApiError as error:
            if error.status != 401:
                raise
        token = await self._renewed_token(token)
        try:
            return await action(get_api(), token)
        except ApiError as error:
            if error.status == 401:
                raise SessionEnded() from error
            raise

    async def gather(self, *actions: Callable[[LumiApi, str], Awaitable[Any]]) -> list[Any]:
        """All the calls at once; the first failure is raised once every call has ended."""
        results = await asyncio.gather(*(self.call(action) for action in actions), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results

    async def _current_token(self) -> str:
        async with self._renewing:
            if not self._token or self._expires_at - time.time() < REFRESH_MARGIN_SECONDS:
                async with self.state:
                    self._token, self._expires_at = await access_token(self.state)
            return self._token

    async def _renewed_token(self, refused: str) -> str:
        """After a 401: renew once, however many calls were refused with the same token."""
        async with self._renewing:
            if self._token == refused:
                async with self.state:
                    self._token, self._expires_at = await access_token(self.state, renew=True)
            return self._token


async def _going_offline(session: SessionState) -> None:
    """Stop this tab's live connection (presence says goodbye) before the session ends."""
    from lumi_app.state.realtime import go_offline  # the realtime state builds on this module

    await go_offline(session)


async def is_signed_in(state: rx.State) -> bool:
    return (await state.get_state(SessionState)).signed_in


async def login_redirect(state: rx.State) -> EventSpec:
    """To the sign-in page, coming back to the current page afterwards."""
    return (await state.get_state(SessionState))._login_redirect()
