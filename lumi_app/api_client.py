"""The one typed client of the Lumi API, used by every state of the app.

Requests and responses are the pydantic models of ``backend.contracts`` (the same ones the
API validates with), so a mismatch shows up here as a clear error instead of a ``KeyError``
deep in a page. Every failure is an :class:`ApiError` built from the API's error body
(``{"error": {"code", "message", "fields"}}``); a server that cannot be reached becomes an
``ApiError`` with status 0 and code ``network``. Access tokens are passed per call and are
never logged.

Auth calls carry the browser's address (``X-Lumi-Client-Ip``): every call comes from this
backend, so without it the API's per-client rate limits would give all users one budget.
The API believes that address only from the app server: in AWS every call is signed as the
app server (SigV4 with its task role, the ``auth`` hook given at start, see
:func:`use_request_auth`); locally it carries the app server's secret
(``X-Lumi-App-Server``) when one is configured.

The person's access token travels in ``X-Lumi-Authorization`` (``ACCESS_TOKEN_HEADER``),
not ``Authorization``, which a SigV4 signature takes; the API reads both. This module
never imports boto3 or botocore: the signer lives in ``backend.api_signing``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import weakref
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError
from reflex.istate.data import SessionData
from reflex_base.event.context import EventContext

from backend.contracts import (
    ACCESS_TOKEN_HEADER,
    APP_SERVER_HEADER,
    CLIENT_IP_HEADER,
    Affirmation,
    AffirmationCreate,
    AffirmationPage,
    AffirmationSchedule,
    AffirmationScheduleView,
    AffirmationSendNow,
    AffirmationSent,
    AffirmationUpdate,
    AlbumPage,
    AnniversaryUpdate,
    ArtistPage,
    AuthSession,
    AuthTokens,
    AvatarConfirmRequest,
    AvatarUploadRequest,
    CalendarFeed,
    CalendarMonth,
    ChangePasswordRequest,
    ChatMessage,
    ChatMessageCreate,
    ChatMessageEdit,
    ChatMessagePage,
    ChatReactionSet,
    ChatReceipts,
    ChatReceiptUpdate,
    ConfirmSignUpRequest,
    CoupleDate,
    CoupleDateCreate,
    CoupleDateUpdate,
    CoupleTags,
    CurrentRelationship,
    DateReminderTime,
    DateReminderTimeView,
    DateReminderZone,
    DeleteAccountRequest,
    ForgotPasswordRequest,
    Health,
    ListeningDays,
    LoginRequest,
    LogoutRequest,
    MarkNotificationsRead,
    Moment,
    MomentCreate,
    MomentFilter,
    MomentPage,
    MomentSearchResults,
    MomentUpdate,
    MomentUploadRequest,
    MomentUploadTicket,
    MusicSearchResults,
    MusicStats,
    MusicUploadRequest,
    MusicUploadTicket,
    MusicUsage,
    Notification,
    NotificationFilter,
    NotificationPage,
    NotificationSettings,
    NudgeSent,
    PartnerPresence,
    PartnerRequest,
    PartnerRequestCreate,
    PartnerRequests,
    PasswordResetRequested,
    PlayerStateUpdate,
    PlayerView,
    Playlist,
    PlaylistAdd,
    PlaylistCoverConfirm,
    PlaylistCoverUploadRequest,
    PlaylistCreate,
    PlaylistEntry,
    PlaylistEntryMove,
    PlaylistEntryPage,
    PlaylistPage,
    PlaylistPlay,
    PlaylistUpdate,
    PlayPage,
    PlayRecorded,
    PlayReport,
    PresenceDisconnect,
    PresenceHeartbeat,
    PresenceStatus,
    Profile,
    PushSubscriptionCreate,
    PushSubscriptionDelete,
    QueueAdd,
    QueueMove,
    ReceivedAffirmationPage,
    RefreshRequest,
    RegisterRequest,
    Relationship,
    ResendSignUpCodeRequest,
    ResetPasswordRequest,
    SignUpCodeSent,
    SignUpPending,
    Song,
    SongConfirm,
    SongCoverConfirm,
    SongCoverUploadRequest,
    SongDetail,
    SongFilter,
    SongPage,
    SongSort,
    SongUpdate,
    StatsPeriod,
    UnreadCount,
    UpcomingDates,
    UpdateProfileRequest,
    UploadTicket,
    VapidPublicKey,
)
from backend.settings import get_settings

log = logging.getLogger("lumi.app.api")

M = TypeVar("M", bound=BaseModel)

NETWORK_MESSAGE = "Lumi's server can't be reached, try again."
UNEXPECTED_MESSAGE = "Something went wrong on Lumi's side, try again."

# Used when an error body carries no message of its own.
_STATUS_MESSAGES: dict[int, str] = {
    400: "That didn't work, check what you entered.",
    401: "Your session has ended, please log in again.",
    403: "You aren't allowed to do that.",
    404: "That doesn't exist (any more).",
    409: "That clashes with something that already exists.",
    422: "Some of what you entered isn't valid.",
    429: "Too many attempts, wait a moment and try again.",
}


class ApiError(Exception):
    """A failed API call, in the API's own terms (status, stable code, human message, per-field messages)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.retry_after = retry_after

    @property
    def is_network(self) -> bool:
        return self.status == 0

    @classmethod
    def network(cls) -> ApiError:
        return cls(0, "network", NETWORK_MESSAGE)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """Parse the API's error body; tolerate bodies that are not ours (proxies, validation layers)."""
        status = response.status_code
        retry_after = _retry_after(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            fields = error.get("fields") or {}
            return cls(
                status,
                str(error.get("code") or f"http_{status}"),
                str(error.get("message") or _STATUS_MESSAGES.get(status, UNEXPECTED_MESSAGE)),
                {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {},
                retry_after,
            )
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            # Request validation errors in the resolver's default shape.
            fields = {}
            for item in body["detail"]:
                if isinstance(item, dict):
                    loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path")]
                    if loc:
                        fields[loc[-1]] = str(item.get("msg", "Invalid value"))
            return cls(status, "validation_error", _STATUS_MESSAGES[422], fields, retry_after)
        default = "unexpected" if status >= 500 else f"http_{status}"
        return cls(status, default, _STATUS_MESSAGES.get(status, UNEXPECTED_MESSAGE), {}, retry_after)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def validation_fields(error: ValidationError) -> dict[str, str]:
    """Per-field messages from a pydantic error, for forms checked before they are sent."""
    fields: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][-1]) if item.get("loc") else "form"
        message = str(item.get("msg", "Invalid value"))
        fields.setdefault(name, message.removeprefix("Value error, "))
    return fields


def _body(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True)


def browser_address() -> str | None:
    """The address of the browser whose Reflex event is being handled, or None.

    The same value as ``State.router.session.client_ip``, read from the event's context so
    every call made while handling it has it, whichever state makes the call. Behind
    proxies Reflex takes it from X-Forwarded-For only as far as its ``trusted_proxy_hops``
    config (``REFLEX_TRUSTED_PROXY_HOPS``) allows. Anything but one IP address is dropped.
    """
    try:
        router_data = EventContext.get().router_data
    except LookupError:
        return None
    address = SessionData.from_router_data(router_data).client_ip.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class LumiApi:
    """Thin async client: one method per API route, each returning a ``backend.contracts`` model."""

    def __init__(
        self,
        base_url: str,
        *,
        app_server_secret: str = "",
        auth: httpx.Auth | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        """``app_server_secret``: proves to the API (locally) that the browser addresses we forward are real.

        ``auth``: authenticates every call as the app server (in AWS a SigV4 signer for the
        function URL, which refuses anything unsigned); None sends calls as they are.
        """
        headers = {"accept": "application/json"}
        if app_server_secret:
            headers[APP_SERVER_HEADER] = app_server_secret
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
            headers=headers,
            auth=auth,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: BaseModel | None = None,
        params: dict[str, str] | None = None,
        for_browser: bool = False,
    ) -> httpx.Response:
        """``for_browser``: a rate-limited auth call, sent with the browser's address."""
        headers: dict[str, str] = {}
        if token:
            headers[ACCESS_TOKEN_HEADER] = f"Bearer {token}"
        if for_browser and (address := browser_address()) is not None:
            headers[CLIENT_IP_HEADER] = address
        try:
            response = await self._http.request(
                method, path, json=_body(body) if body is not None else None, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            log.warning("API %s %s unreachable: %s", method, path, type(exc).__name__)
            raise ApiError.network() from exc
        log.debug("API %s %s -> %s", method, path, response.status_code)
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    async def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        token: str | None = None,
        body: BaseModel | None = None,
        params: dict[str, str] | None = None,
        for_browser: bool = False,
    ) -> M:
        response = await self._send(method, path, token=token, body=body, params=params, for_browser=for_browser)
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            log.error("API %s %s answered with an unexpected %s body", method, path, model.__name__)
            raise ApiError(response.status_code, "unexpected_response", UNEXPECTED_MESSAGE) from exc

    # ------------------------------------------------------------ health

    async def health(self) -> Health:
        return await self._call("GET", "/health", Health)

    # ------------------------------------------------------------ auth

    async def register(self, request: RegisterRequest) -> AuthSession | SignUpPending:
        """Signed up and in (201), or signed up with the e-mailed code still to enter (202)."""
        response = await self._send("POST", "/auth/register", body=request, for_browser=True)
        model: type[AuthSession] | type[SignUpPending] = SignUpPending if response.status_code == 202 else AuthSession
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            log.error("API POST /auth/register answered with an unexpected %s body", response.status_code)
            raise ApiError(response.status_code, "unexpected_response", UNEXPECTED_MESSAGE) from exc

    async def confirm_sign_up(self, request: ConfirmSignUpRequest) -> None:
        await self._send("POST", "/auth/signup/confirm", body=request, for_browser=True)

    async def resend_sign_up_code(self, request: ResendSignUpCodeRequest) -> SignUpCodeSent:
        """Ask for a new code; the same answer whether or not an account waits for one."""
        return await self._call("POST", "/auth/signup/resend", SignUpCodeSent, body=request, for_browser=True)

    async def login(self, request: LoginRequest) -> AuthSession:
        return await self._call("POST", "/auth/login", AuthSession, body=request, for_browser=True)

    async def refresh(self, refresh_token: str) -> AuthTokens:
        request = RefreshRequest(refresh_token=refresh_token)
        return await self._call("POST", "/auth/refresh", AuthTokens, body=request, for_browser=True)

    async def logout(self, token: str, refresh_token: str | None) -> None:
        request = LogoutRequest(refresh_token=refresh_token)
        await self._send("POST", "/auth/logout", token=token, body=request, for_browser=True)

    async def change_password(self, token: str, request: ChangePasswordRequest) -> None:
        await self._send("POST", "/auth/password", token=token, body=request, for_browser=True)

    async def forgot_password(self, request: ForgotPasswordRequest) -> PasswordResetRequested:
        """Ask for a reset code by e-mail; the same answer whether or not an account matches."""
        return await self._call("POST", "/auth/password/forgot", PasswordResetRequested, body=request, for_browser=True)

    async def reset_password(self, request: ResetPasswordRequest) -> None:
        await self._send("POST", "/auth/password/reset", body=request, for_browser=True)

    async def delete_account(self, token: str, password: str) -> None:
        request = DeleteAccountRequest(password=password)
        await self._send("POST", "/auth/delete-account", token=token, body=request, for_browser=True)

    # ------------------------------------------------------------ users

    async def me(self, token: str) -> Profile:
        return await self._call("GET", "/users/me", Profile, token=token)

    async def update_me(self, token: str, request: UpdateProfileRequest) -> Profile:
        return await self._call("PATCH", "/users/me", Profile, token=token, body=request)

    async def avatar_upload_ticket(self, token: str, request: AvatarUploadRequest) -> UploadTicket:
        return await self._call("POST", "/users/me/avatar", UploadTicket, token=token, body=request)

    async def confirm_avatar(self, token: str, key: str) -> Profile:
        return await self._call("PUT", "/users/me/avatar", Profile, token=token, body=AvatarConfirmRequest(key=key))

    # ------------------------------------------------------------ relationships

    async def current_relationship(self, token: str) -> CurrentRelationship:
        return await self._call("GET", "/relationships/current", CurrentRelationship, token=token)

    async def partner_requests(self, token: str) -> PartnerRequests:
        return await self._call("GET", "/relationships/requests", PartnerRequests, token=token)

    async def send_partner_request(self, token: str, to: str) -> PartnerRequest:
        return await self._call(
            "POST", "/relationships/requests", PartnerRequest, token=token, body=PartnerRequestCreate(to=to)
        )

    async def accept_partner_request(self, token: str, request_id: str) -> Relationship:
        return await self._call("POST", f"/relationships/requests/{_seg(request_id)}/accept", Relationship, token=token)

    async def decline_partner_request(self, token: str, request_id: str) -> None:
        await self._send("POST", f"/relationships/requests/{_seg(request_id)}/decline", token=token)

    async def cancel_partner_request(self, token: str, request_id: str) -> None:
        await self._send("DELETE", f"/relationships/requests/{_seg(request_id)}", token=token)

    async def relationship(self, token: str, relationship_id: str) -> Relationship:
        return await self._call("GET", f"/relationships/{_seg(relationship_id)}", Relationship, token=token)

    async def set_anniversary(self, token: str, relationship_id: str, anniversary: date | None) -> Relationship:
        return await self._call(
            "PUT",
            f"/relationships/{_seg(relationship_id)}/anniversary",
            Relationship,
            token=token,
            body=AnniversaryUpdate(anniversary=anniversary),
        )

    async def leave_relationship(self, token: str, relationship_id: str) -> None:
        await self._send("DELETE", f"/relationships/{_seg(relationship_id)}", token=token)

    # ------------------------------------------------------------ presence

    async def presence_heartbeat(self, token: str, connection_id: str, activity: str) -> PresenceStatus:
        request = PresenceHeartbeat(connection_id=connection_id, activity=activity)  # type: ignore[arg-type]
        return await self._call("POST", "/presence/heartbeat", PresenceStatus, token=token, body=request)

    async def presence_disconnect(self, token: str, connection_id: str) -> PresenceStatus:
        request = PresenceDisconnect(connection_id=connection_id)
        return await self._call("POST", "/presence/disconnect", PresenceStatus, token=token, body=request)

    async def partner_presence(self, token: str) -> PartnerPresence:
        return await self._call("GET", "/presence/partner", PartnerPresence, token=token)

    # ------------------------------------------------------------ notifications

    async def notifications(
        self, token: str, *, filter: NotificationFilter = "all", next: str | None = None, limit: int | None = None
    ) -> NotificationPage:
        params = {"filter": filter}
        if next:
            params["next"] = next
        if limit is not None:
            params["limit"] = str(limit)
        return await self._call("GET", "/notifications", NotificationPage, token=token, params=params)

    async def unread_count(self, token: str) -> UnreadCount:
        return await self._call("GET", "/notifications/unread-count", UnreadCount, token=token)

    async def notification(self, token: str, notification_id: str) -> Notification:
        return await self._call("GET", f"/notifications/{_seg(notification_id)}", Notification, token=token)

    async def mark_notifications_read(self, token: str, request: MarkNotificationsRead) -> UnreadCount:
        return await self._call("POST", "/notifications/read", UnreadCount, token=token, body=request)

    async def notification_settings(self, token: str) -> NotificationSettings:
        return await self._call("GET", "/notifications/settings", NotificationSettings, token=token)

    async def update_notification_settings(self, token: str, settings: NotificationSettings) -> NotificationSettings:
        return await self._call("PUT", "/notifications/settings", NotificationSettings, token=token, body=settings)

    # ------------------------------------------------------------ web push

    async def vapid_public_key(self, token: str) -> VapidPublicKey:
        return await self._call("GET", "/push/vapid-public-key", VapidPublicKey, token=token)

    async def add_push_subscription(self, token: str, subscription: PushSubscriptionCreate) -> None:
        await self._send("POST", "/push/subscriptions", token=token, body=subscription)

    async def remove_push_subscription(self, token: str, endpoint: str) -> None:
        await self._send("DELETE", "/push/subscriptions", token=token, body=PushSubscriptionDelete(endpoint=endpoint))

    # ------------------------------------------------------------ nudges

    async def send_nudge(self, token: str) -> NudgeSent:
        """ "Thinking of you" to the partner: 409 ``not_paired``, 429 ``rate_limited`` (``retry_after``)."""
        return await self._call("POST", "/nudges", NudgeSent, token=token)

    # ------------------------------------------------------------ moments

    async def moment_upload_ticket(self, token: str, request: MomentUploadRequest) -> MomentUploadTicket:
        return await self._call("POST", "/moments/uploads", MomentUploadTicket, token=token, body=request)

    async def create_moment(self, token: str, request: MomentCreate) -> Moment:
        """The moment, ``processing`` (the media job then probes a video: ``ready``, or ``failed`` with
        its ``failure_reason``). 422 ``invalid_video`` / ``invalid_photo`` (``fields`` say why) when
        the uploaded file's size or first bytes rule it out already."""
        return await self._call("POST", "/moments", Moment, token=token, body=request)

    async def moments(
        self, token: str, *, filter: MomentFilter = "all", next: str | None = None, limit: int | None = None
    ) -> MomentPage:
        return await self._call("GET", "/moments", MomentPage, token=token, params=_page(next, limit, filter=filter))

    async def moment(self, token: str, moment_id: str) -> Moment:
        return await self._call("GET", f"/moments/{_seg(moment_id)}", Moment, token=token)

    async def update_moment(self, token: str, moment_id: str, request: MomentUpdate) -> Moment:
        return await self._call("PATCH", f"/moments/{_seg(moment_id)}", Moment, token=token, body=request)

    async def delete_moment(self, token: str, moment_id: str) -> None:
        await self._send("DELETE", f"/moments/{_seg(moment_id)}", token=token)

    async def search_moments(self, token: str, query: str, *, limit: int | None = None) -> MomentSearchResults:
        params = _page(None, limit, q=query)
        return await self._call("GET", "/moments/search", MomentSearchResults, token=token, params=params)

    # ------------------------------------------------------------ affirmations

    async def affirmations(self, token: str, *, next: str | None = None, limit: int | None = None) -> AffirmationPage:
        """The affirmations the caller wrote for their partner, newest first."""
        return await self._call("GET", "/affirmations", AffirmationPage, token=token, params=_page(next, limit))

    async def add_affirmation(self, token: str, request: AffirmationCreate) -> Affirmation:
        return await self._call("POST", "/affirmations", Affirmation, token=token, body=request)

    async def update_affirmation(self, token: str, affirmation_id: str, request: AffirmationUpdate) -> Affirmation:
        path = f"/affirmations/{_seg(affirmation_id)}"
        return await self._call("PATCH", path, Affirmation, token=token, body=request)

    async def delete_affirmation(self, token: str, affirmation_id: str) -> None:
        await self._send("DELETE", f"/affirmations/{_seg(affirmation_id)}", token=token)

    async def affirmation_schedule(self, token: str) -> AffirmationScheduleView:
        return await self._call("GET", "/affirmations/schedule", AffirmationScheduleView, token=token)

    async def set_affirmation_schedule(self, token: str, request: AffirmationSchedule) -> AffirmationScheduleView:
        return await self._call("PUT", "/affirmations/schedule", AffirmationScheduleView, token=token, body=request)

    async def received_affirmations(
        self, token: str, *, zone: str | None = None, next: str | None = None, limit: int | None = None
    ) -> ReceivedAffirmationPage:
        """What the caller received: today's (in ``zone``, else their schedule's) and earlier ones."""
        params = _page(next, limit, **({"zone": zone} if zone else {}))
        return await self._call("GET", "/affirmations/received", ReceivedAffirmationPage, token=token, params=params)

    async def heart_affirmation(self, token: str, delivery_id: str, *, hearted: bool) -> None:
        method = "PUT" if hearted else "DELETE"
        await self._send(method, f"/affirmations/received/{_seg(delivery_id)}/heart", token=token)

    async def send_affirmation_now(self, token: str, request: AffirmationSendNow) -> AffirmationSent:
        return await self._call("POST", "/affirmations/send-now", AffirmationSent, token=token, body=request)

    # ------------------------------------------------------------ the couple's dates

    async def dates_in_month(self, token: str, month: str) -> CalendarMonth:
        """Everything in a month (``YYYY-MM``): the couple's dates and the anniversary, by day."""
        return await self._call("GET", "/dates", CalendarMonth, token=token, params={"month": month})

    async def upcoming_dates(self, token: str, *, today: date | None = None, limit: int | None = None) -> UpcomingDates:
        """What comes next from ``today`` (the person's own; else today in UTC), soonest first."""
        params = _page(None, limit, **({"from": today.isoformat()} if today else {}))
        return await self._call("GET", "/dates/upcoming", UpcomingDates, token=token, params=params)

    async def couple_date(self, token: str, date_id: str) -> CoupleDate:
        return await self._call("GET", f"/dates/{_seg(date_id)}", CoupleDate, token=token)

    async def add_date(self, token: str, request: CoupleDateCreate) -> CoupleDate:
        return await self._call("POST", "/dates", CoupleDate, token=token, body=request)

    async def update_date(self, token: str, date_id: str, request: CoupleDateUpdate) -> CoupleDate:
        """Only the fields set on ``request`` change (``time=None`` set explicitly removes the time)."""
        return await self._call("PATCH", f"/dates/{_seg(date_id)}", CoupleDate, token=token, body=request)

    async def delete_date(self, token: str, date_id: str) -> None:
        await self._send("DELETE", f"/dates/{_seg(date_id)}", token=token)

    async def calendar_feed(self, token: str) -> CalendarFeed:
        return await self._call("GET", "/calendar/feed", CalendarFeed, token=token)

    async def issue_calendar_feed(self, token: str) -> CalendarFeed:
        """A new feed URL (shown this once); the one before stops working."""
        return await self._call("POST", "/calendar/feed", CalendarFeed, token=token)

    async def revoke_calendar_feed(self, token: str) -> None:
        await self._send("DELETE", "/calendar/feed", token=token)

    async def date_reminder_time(self, token: str) -> DateReminderTimeView:
        """When the caller's date reminders come (``chosen=False``: the default, 09:00)."""
        return await self._call("GET", "/dates/reminders", DateReminderTimeView, token=token)

    async def set_date_reminder_time(self, token: str, request: DateReminderTime) -> DateReminderTimeView:
        return await self._call("PUT", "/dates/reminders", DateReminderTimeView, token=token, body=request)

    async def set_date_reminder_zone(self, token: str, time_zone: str) -> DateReminderTimeView:
        """The browser's zone for the default reminder time; a time the person chose is kept."""
        body = DateReminderZone(time_zone=time_zone)
        return await self._call("PUT", "/dates/reminders/zone", DateReminderTimeView, token=token, body=body)

    # ------------------------------------------------------------ tags

    async def tags(self, token: str) -> CoupleTags:
        return await self._call("GET", "/tags", CoupleTags, token=token)

    async def tagged_moments(
        self, token: str, slug: str, *, next: str | None = None, limit: int | None = None
    ) -> MomentPage:
        path = f"/tags/{_seg(slug)}/moments"
        return await self._call("GET", path, MomentPage, token=token, params=_page(next, limit))

    async def delete_tag(self, token: str, slug: str) -> None:
        await self._send("DELETE", f"/tags/{_seg(slug)}", token=token)

    # ------------------------------------------------------------ chat of a moment

    async def chat_messages(
        self, token: str, moment_id: str, *, next: str | None = None, limit: int | None = None
    ) -> ChatMessagePage:
        path = f"/moments/{_seg(moment_id)}/messages"
        return await self._call("GET", path, ChatMessagePage, token=token, params=_page(next, limit))

    async def send_chat_message(
        self, token: str, moment_id: str, text: str, client_id: str | None = None
    ) -> ChatMessage:
        request = ChatMessageCreate(text=text, client_id=client_id)
        return await self._call("POST", f"/moments/{_seg(moment_id)}/messages", ChatMessage, token=token, body=request)

    async def edit_chat_message(self, token: str, moment_id: str, message_id: str, text: str) -> ChatMessage:
        path = f"/moments/{_seg(moment_id)}/messages/{_seg(message_id)}"
        return await self._call("PATCH", path, ChatMessage, token=token, body=ChatMessageEdit(text=text))

    async def delete_chat_message(self, token: str, moment_id: str, message_id: str) -> ChatMessage:
        path = f"/moments/{_seg(moment_id)}/messages/{_seg(message_id)}"
        return await self._call("DELETE", path, ChatMessage, token=token)

    async def react_to_chat_message(
        self, token: str, moment_id: str, message_id: str, emoji: str | None
    ) -> ChatMessage:
        path = f"/moments/{_seg(moment_id)}/messages/{_seg(message_id)}/reaction"
        return await self._call("PUT", path, ChatMessage, token=token, body=ChatReactionSet(emoji=emoji))

    async def chat_typing(self, token: str, moment_id: str) -> None:
        await self._send("POST", f"/moments/{_seg(moment_id)}/typing", token=token)

    async def chat_receipts(self, token: str, moment_id: str, up_to: str, *, read: bool) -> ChatReceipts:
        path = f"/moments/{_seg(moment_id)}/receipts"
        body = ChatReceiptUpdate(up_to=up_to, read=read)
        return await self._call("POST", path, ChatReceipts, token=token, body=body)

    # ------------------------------------------------------------ music: uploads and the library

    async def music_upload_ticket(self, token: str, request: MusicUploadRequest) -> MusicUploadTicket:
        """409 ``quota_exceeded`` when the file would not fit in the person's storage."""
        return await self._call("POST", "/music/uploads", MusicUploadTicket, token=token, body=request)

    async def confirm_song(self, token: str, song_id: str) -> Song:
        """The file is in storage: the song is ``processing`` until the music job makes it ready or
        refuses it (422 ``invalid_audio`` at once when it is not an audio file at all)."""
        return await self._call("POST", "/music/songs", Song, token=token, body=SongConfirm(song_id=song_id))

    async def music_usage(self, token: str) -> MusicUsage:
        return await self._call("GET", "/music/usage", MusicUsage, token=token)

    async def songs(
        self,
        token: str,
        *,
        sort: SongSort = "added",
        filter: SongFilter = "all",
        next: str | None = None,
        limit: int | None = None,
        q: str | None = None,
    ) -> SongPage:
        """A page of my library; ``q`` keeps the songs whose title, artist or album contain it
        (case and accents aside): such a page may be short, even empty, while ``next`` goes on."""
        params = _page(next, limit, sort=sort, filter=filter)
        if q and q.strip():
            params["q"] = q.strip()
        return await self._call("GET", "/music/songs", SongPage, token=token, params=params)

    async def song(self, token: str, song_id: str) -> SongDetail:
        return await self._call("GET", f"/music/songs/{_seg(song_id)}", SongDetail, token=token)

    async def update_song(self, token: str, song_id: str, request: SongUpdate) -> Song:
        return await self._call("PATCH", f"/music/songs/{_seg(song_id)}", Song, token=token, body=request)

    async def delete_song(self, token: str, song_id: str) -> None:
        await self._send("DELETE", f"/music/songs/{_seg(song_id)}", token=token)

    async def song_cover_ticket(self, token: str, song_id: str, request: SongCoverUploadRequest) -> UploadTicket:
        """A presigned POST for a new cover picture of my ready song (post the file, then confirm)."""
        path = f"/music/songs/{_seg(song_id)}/cover"
        return await self._call("POST", path, UploadTicket, token=token, body=request)

    async def confirm_song_cover(self, token: str, song_id: str, key: str) -> Song:
        """The picture is in storage (``key`` from the ticket): it becomes the song's cover."""
        path = f"/music/songs/{_seg(song_id)}/cover"
        return await self._call("PUT", path, Song, token=token, body=SongCoverConfirm(key=key))

    async def remove_song_cover(self, token: str, song_id: str) -> Song:
        return await self._call("DELETE", f"/music/songs/{_seg(song_id)}/cover", Song, token=token)

    async def albums(self, token: str, *, next: str | None = None, limit: int | None = None) -> AlbumPage:
        return await self._call("GET", "/music/albums", AlbumPage, token=token, params=_page(next, limit))

    async def album_songs(
        self, token: str, album_id: str, *, next: str | None = None, limit: int | None = None
    ) -> SongPage:
        path = f"/music/albums/{_seg(album_id)}/songs"
        return await self._call("GET", path, SongPage, token=token, params=_page(next, limit))

    async def artists(self, token: str, *, next: str | None = None, limit: int | None = None) -> ArtistPage:
        return await self._call("GET", "/music/artists", ArtistPage, token=token, params=_page(next, limit))

    async def artist_songs(
        self, token: str, artist_id: str, *, next: str | None = None, limit: int | None = None
    ) -> SongPage:
        path = f"/music/artists/{_seg(artist_id)}/songs"
        return await self._call("GET", path, SongPage, token=token, params=_page(next, limit))

    # ------------------------------------------------------------ music: the player (queue and where I am)

    async def player(self, token: str) -> PlayerView:
        return await self._call("GET", "/music/player", PlayerView, token=token)

    async def save_player_state(self, token: str, state: PlayerStateUpdate) -> PlayerView:
        return await self._call("PUT", "/music/player/state", PlayerView, token=token, body=state)

    async def queue_songs(self, token: str, request: QueueAdd) -> PlayerView:
        """409 ``song_not_ready`` / ``queue_full``; 404 for a song the person cannot hear."""
        return await self._call("POST", "/music/player/queue", PlayerView, token=token, body=request)

    async def move_queued(self, token: str, entry_id: str, after_entry_id: str | None) -> PlayerView:
        path = f"/music/player/queue/{_seg(entry_id)}"
        body = QueueMove(after_entry_id=after_entry_id)
        return await self._call("PATCH", path, PlayerView, token=token, body=body)

    async def unqueue(self, token: str, entry_id: str) -> None:
        await self._send("DELETE", f"/music/player/queue/{_seg(entry_id)}", token=token)

    async def clear_queue(self, token: str) -> None:
        await self._send("DELETE", "/music/player/queue", token=token)

    # ------------------------------------------------------------ music: playlists

    async def playlists(self, token: str, *, next: str | None = None, limit: int | None = None) -> PlaylistPage:
        """Mine and those my partner shares with me, newest first."""
        return await self._call("GET", "/music/playlists", PlaylistPage, token=token, params=_page(next, limit))

    async def create_playlist(self, token: str, request: PlaylistCreate) -> Playlist:
        """409 ``not_paired`` when shared without a partner."""
        return await self._call("POST", "/music/playlists", Playlist, token=token, body=request)

    async def playlist(self, token: str, playlist_id: str) -> Playlist:
        """One playlist with ``cover_urls`` (the first four covers, for a 2×2 mosaic)."""
        return await self._call("GET", f"/music/playlists/{_seg(playlist_id)}", Playlist, token=token)

    async def update_playlist(self, token: str, playlist_id: str, request: PlaylistUpdate) -> Playlist:
        """Only the fields set in ``request`` change (build it with just those); 403 for my partner's."""
        path = f"/music/playlists/{_seg(playlist_id)}"
        return await self._call("PATCH", path, Playlist, token=token, body=request)

    async def delete_playlist(self, token: str, playlist_id: str) -> None:
        await self._send("DELETE", f"/music/playlists/{_seg(playlist_id)}", token=token)

    async def playlist_cover_ticket(
        self, token: str, playlist_id: str, request: PlaylistCoverUploadRequest
    ) -> UploadTicket:
        """A presigned POST for a cover picture of my playlist (post the file, then confirm); 403 for my
        partner's."""
        path = f"/music/playlists/{_seg(playlist_id)}/cover"
        return await self._call("POST", path, UploadTicket, token=token, body=request)

    async def confirm_playlist_cover(self, token: str, playlist_id: str, key: str) -> Playlist:
        """The picture is in storage (``key`` from the ticket): it becomes the playlist's cover."""
        path = f"/music/playlists/{_seg(playlist_id)}/cover"
        return await self._call("PUT", path, Playlist, token=token, body=PlaylistCoverConfirm(key=key))

    async def remove_playlist_cover(self, token: str, playlist_id: str) -> Playlist:
        """Back to the mosaic of its songs' covers."""
        return await self._call("DELETE", f"/music/playlists/{_seg(playlist_id)}/cover", Playlist, token=token)

    async def playlist_entries(
        self, token: str, playlist_id: str, *, next: str | None = None, limit: int | None = None
    ) -> PlaylistEntryPage:
        path = f"/music/playlists/{_seg(playlist_id)}/entries"
        return await self._call("GET", path, PlaylistEntryPage, token=token, params=_page(next, limit))

    async def add_to_playlist(self, token: str, playlist_id: str, song_ids: list[str]) -> PlaylistEntryPage:
        """At the end, in order; 404 for a song I cannot hear, 409 ``song_not_ready`` / ``playlist_full``."""
        path = f"/music/playlists/{_seg(playlist_id)}/entries"
        return await self._call("POST", path, PlaylistEntryPage, token=token, body=PlaylistAdd(song_ids=song_ids))

    async def move_playlist_entry(
        self, token: str, playlist_id: str, entry_id: str, after_entry_id: str | None
    ) -> PlaylistEntry:
        """Right after ``after_entry_id`` (None: to the start); 404 when it was removed meanwhile."""
        path = f"/music/playlists/{_seg(playlist_id)}/entries/{_seg(entry_id)}"
        body = PlaylistEntryMove(after_entry_id=after_entry_id)
        return await self._call("PATCH", path, PlaylistEntry, token=token, body=body)

    async def remove_from_playlist(self, token: str, playlist_id: str, entry_id: str) -> None:
        await self._send("DELETE", f"/music/playlists/{_seg(playlist_id)}/entries/{_seg(entry_id)}", token=token)

    async def play_playlist(self, token: str, playlist_id: str) -> PlaylistPlay:
        """The song ids to hand to ``PlayerState.play_songs`` (those I can play, in order)."""
        return await self._call("GET", f"/music/playlists/{_seg(playlist_id)}/play", PlaylistPlay, token=token)

    # ------------------------------------------------------------ music: history, stats, search

    async def record_play(self, token: str, report: PlayReport) -> PlayRecorded:
        """Report a listen when it ends; ``counted`` says whether it was a play (a retry with the
        same ``play_id`` records nothing new)."""
        return await self._call("POST", "/music/plays", PlayRecorded, token=token, body=report)

    async def recent_plays(self, token: str, next: str | None = None, limit: int | None = None) -> PlayPage:
        return await self._call("GET", "/music/plays", PlayPage, token=token, params=_page(next, limit))

    async def music_stats(self, token: str, period: StatsPeriod = "week", limit: int | None = None) -> MusicStats:
        params = {"period": period} | ({"limit": str(limit)} if limit is not None else {})
        return await self._call("GET", "/music/stats", MusicStats, token=token, params=params)

    async def listening_days(self, token: str, days: int = 30) -> ListeningDays:
        return await self._call("GET", "/music/stats/days", ListeningDays, token=token, params={"days": str(days)})

    async def search_music(self, token: str, q: str, limit: int | None = None) -> MusicSearchResults:
        params = {"q": q} | ({"limit": str(limit)} if limit is not None else {})
        return await self._call("GET", "/music/search", MusicSearchResults, token=token, params=params)


def _page(next: str | None, limit: int | None, **params: str) -> dict[str, str]:
    """Query parameters of a listing: its own, plus the page token and size when given."""
    if next:
        params["next"] = next
    if limit is not None:
        params["limit"] = str(limit)
    return params


def _seg(value: str) -> str:
    return quote(value, safe="")


# One client per event loop: an httpx.AsyncClient's connection pool belongs to the loop it was used on.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LumiApi] = weakref.WeakKeyDictionary()


RequestAuth = Callable[[], httpx.Auth]
_request_auth: RequestAuth | None = None


def use_request_auth(factory: RequestAuth | None) -> None:
    """Sign every client :func:`get_api` makes from now on with ``factory()`` (None: unsigned).

    Called once at start-up (``rxconfig.py``) when ``Settings.api_auth`` is "iam", with
    ``backend.api_signing.lambda_url_signer``, so this module stays free of botocore.
    """
    global _request_auth
    _request_auth = factory
    _clients.clear()


def _auth_for(api_auth: str) -> httpx.Auth | None:
    if api_auth == "none":
        return None
    if _request_auth is None:
        raise RuntimeError(
            f"LUMI_API_AUTH={api_auth!r} but no request signer was installed (use_request_auth, in rxconfig.py)"
        )
    return _request_auth()


def get_api() -> LumiApi:
    """The API client for the running event loop, pointed at ``Settings.api_url``."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        settings = get_settings()
        client = _clients[loop] = LumiApi(
            settings.api_url, app_server_secret=settings.app_server_secret, auth=_auth_for(settings.api_auth)
        )
    return client
