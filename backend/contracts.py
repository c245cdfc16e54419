"""Request and response models of the Lumi API.

The API validates with these models (and its OpenAPI document is generated from them);
the Reflex app's typed client (``lumi_app/api_client.py``) parses responses with the very
same classes. This module imports only pydantic, so the app can import it without
pulling in boto3. Annotations here are evaluated when each class is made (no
``from __future__ import annotations``): pydantic would otherwise compile and evaluate
every field's annotation string again, a seventh of this module's import time.
"""

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic_core import CoreSchema

USERNAME_PATTERN = r"^[a-z0-9](?:[a-z0-9._]{1,28})[a-z0-9]$"
USERNAME_RULE = "3–30 characters: lowercase letters, digits, dots and underscores, not at the start or end"
PASSWORD_RULE = "at least 8 characters with a lowercase letter and a digit"

AVATAR_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")

# The browser's address, which the Reflex backend forwards on auth calls so the API's
# per-client rate limits count people, not the one backend they all come through.
CLIENT_IP_HEADER = "X-Lumi-Client-Ip"
# The app server's shared secret (``Settings.app_server_secret``) on every call it makes: the
# proof that lets the API believe CLIENT_IP_HEADER, which anyone else could send too.
APP_SERVER_HEADER = "X-Lumi-App-Server"
# The person's access token ("Bearer <token>") on the app server's calls. In AWS the app
# server signs every call with SigV4, whose signature takes the Authorization header, so the
# person's token travels here instead; the API reads this header first, then Authorization.
ACCESS_TOKEN_HEADER = "X-Lumi-Authorization"

# Page sizes of the listings: a route's `limit` default and maximum, and what its use case pages
# with when none is given. Here (not in the use cases) so a router declares its query limits
# without importing its domain module, which it imports only when a request needs it.
MOMENTS_PAGE_DEFAULT = 12
MOMENTS_PAGE_MAX = 50
TAGS_PAGE_DEFAULT = 12
TAGS_PAGE_MAX = 50
MESSAGES_PAGE_DEFAULT = 30
MESSAGES_PAGE_MAX = 100
NOTIFICATIONS_PAGE_DEFAULT = 20
NOTIFICATIONS_PAGE_MAX = 100
AFFIRMATIONS_PAGE_DEFAULT = 50
AFFIRMATIONS_PAGE_MAX = 100
AFFIRMATIONS_RECEIVED_PAGE_DEFAULT = 20
DATES_UPCOMING_DEFAULT = 10
DATES_UPCOMING_MAX = 50
MUSIC_PAGE_DEFAULT = 50
MUSIC_PAGE_MAX = 100
MUSIC_SEARCH_LIMIT_DEFAULT = 8
PLAYS_PAGE_DEFAULT = 50
PLAYS_PAGE_MAX = 100
STATS_TOP_DEFAULT = 10
PLAYLISTS_PAGE_DEFAULT = 50
PLAYLISTS_PAGE_MAX = 100
PLAYLIST_ENTRIES_PAGE_DEFAULT = 100
PLAYLIST_ENTRIES_PAGE_MAX = 500


def _normalise_username(value: object) -> object:
    """Usernames are case-insensitive: "Ana.Lee" is "ana.lee". Normalised before the pattern
    is checked (StringConstraints checks the pattern before lowering the case)."""
    return value.strip().lower() if isinstance(value, str) else value


# The BeforeValidator wraps the constrained str, so it runs first; the pattern stays in the schema.
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN), BeforeValidator(_normalise_username)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


class _EmailStr:
    """pydantic's ``EmailStr`` (same validation, errors and schema), imported when the first model
    with an e-mail field is built: ``pydantic.networks`` costs an API cold start ~2-3 ms, and only
    sign-up takes an address."""

    def __get_pydantic_core_schema__(self, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic import EmailStr

        return handler.generate_schema(EmailStr)


EmailAddress = Annotated[str, _EmailStr()]


class Model(BaseModel):
    # defer_build: a model's validator and serializer are built on its first use, not when this
    # module is imported (over a hundred models; building them all costs a cold start ~100 ms).
    model_config = ConfigDict(extra="forbid", defer_build=True)


# ---------------------------------------------------------------- errors


class ErrorBody(Model):
    code: str = Field(description="Stable machine-readable code, e.g. `username_taken`.")
    message: str = Field(description="What went wrong, in words a person understands.")
    fields: dict[str, str] = Field(default_factory=dict, description="Per-field messages for forms.")


class ErrorResponse(Model):
    error: ErrorBody


# ---------------------------------------------------------------- auth


def _check_password(value: str) -> str:
    if not (re.search(r"[a-z]", value) and re.search(r"\d", value)):
        raise ValueError(f"Password must be {PASSWORD_RULE}.")
    return value


class RegisterRequest(Model):
    email: EmailAddress
    password: Password
    username: Username
    display_name: DisplayName

    _password = field_validator("password")(_check_password)


Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
RESET_CODE_PATTERN = r"^[0-9]{6}$"
RESET_CODE_RULE = "the 6-digit code from the e-mail"


class LoginRequest(Model):
    login: Login = Field(description="E-mail address or username.")
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ForgotPasswordRequest(Model):
    login: Login = Field(description="E-mail address or username of the account.")


class PasswordResetRequested(Model):
    """The same answer whether or not an account matches (nothing tells a stranger which)."""

    message: str = Field(description="What happens next, in words for the person.")
    code_lifetime_seconds: int = Field(description="How long an e-mailed code works.")


class ResetPasswordRequest(Model):
    login: Login = Field(description="E-mail address or username of the account.")
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=RESET_CODE_PATTERN)] = Field(
        description="The code e-mailed by `POST /auth/password/forgot`."
    )
    new_password: Password

    _password = field_validator("new_password")(_check_password)


SIGN_UP_CODE_PATTERN = RESET_CODE_PATTERN


class SignUpPending(Model):
    """Signed up, but not signed in: the account confirms its e-mail address with the code
    e-mailed to it (``POST /auth/signup/confirm``) before it can sign in."""

    status: Literal["confirmation_needed"] = "confirmation_needed"
    email: str = Field(description="The address the code went to (the one signed up with).")
    message: str = Field(description="What happens next, in words for the person.")
    code_lifetime_seconds: int = Field(description="How long an e-mailed code works.")


class ConfirmSignUpRequest(Model):
    login: Login = Field(description="E-mail address (or username) of the new account.")
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=SIGN_UP_CODE_PATTERN)] = Field(
        description="The code e-mailed at sign-up (or by `POST /auth/signup/resend`)."
    )


class ResendSignUpCodeRequest(Model):
    login: Login = Field(description="E-mail address (or username) of the new account.")


class SignUpCodeSent(Model):
    """The same answer whether or not an unconfirmed account matches."""

    message: str = Field(description="What happens next, in words for the person.")
    code_lifetime_seconds: int = Field(description="How long an e-mailed code works.")


class RefreshRequest(Model):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class LogoutRequest(Model):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None


class ChangePasswordRequest(Model):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Password

    _password = field_validator("new_password")(_check_password)


class DeleteAccountRequest(Model):
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class AuthTokens(Model):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="Seconds until the access token expires.")
    token_type: Literal["Bearer"] = "Bearer"


# ---------------------------------------------------------------- users


class PublicProfile(Model):
    user_id: str
    username: str
    display_name: str
    avatar_url: str | None = None


class Profile(PublicProfile):
    email: str
    groups: list[str] = Field(default_factory=list)
    relationship_id: str | None = None
    created_at: datetime


class AuthSession(Model):
    tokens: AuthTokens
    profile: Profile


class UpdateProfileRequest(Model):
    display_name: DisplayName | None = None
    username: Username | None = None


class AvatarUploadRequest(Model):
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: int = Field(gt=0, description="Size of the file in bytes.")


class UploadTicket(Model):
    """A presigned POST: the browser sends ``fields`` plus the file to ``url``."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_in: int


class AvatarConfirmRequest(Model):
    key: Annotated[str, StringConstraints(min_length=1, max_length=512)]


# ---------------------------------------------------------------- relationships


class PartnerRequestCreate(Model):
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)] = Field(
        description="The partner's username or e-mail address."
    )


class PartnerRequest(Model):
    request_id: str
    from_user: PublicProfile
    to_user: PublicProfile
    created_at: datetime


class PartnerRequests(Model):
    sent: list[PartnerRequest]
    received: list[PartnerRequest]


class Relationship(Model):
    relationship_id: str
    partner: PublicProfile
    since: datetime
    anniversary: date | None = None


class CurrentRelationship(Model):
    relationship: Relationship | None = None


class AnniversaryUpdate(Model):
    anniversary: date | None

    @field_validator("anniversary")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("The anniversary cannot be in the future.")
        return value


class Health(Model):
    status: Literal["ok"] = "ok"
    stage: str


# ---------------------------------------------------------------- presence

PresenceState = Literal["online", "idle", "offline"]
Activity = Literal["active", "idle"]
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class PresenceHeartbeat(Model):
    """Sent for one open tab or device every heartbeat interval, and when its activity changes."""

    connection_id: ConnectionId
    activity: Activity


class PresenceDisconnect(Model):
    connection_id: ConnectionId


class PresenceStatus(Model):
    user_id: str
    state: PresenceState
    last_seen: datetime | None = Field(default=None, description="When the person was last online or idle.")


class PartnerPresence(Model):
    presence: PresenceStatus | None = None


# ---------------------------------------------------------------- notifications

NotificationCategory = Literal["partner", "moments", "affirmations", "music", "reminders"]
NOTIFICATION_CATEGORIES: tuple[str, ...] = ("partner", "moments", "affirmations", "music", "reminders")
NotificationFilter = Literal["all", "unread"]


class Notification(Model):
    notification_id: str
    category: NotificationCategory
    kind: str = Field(description="What happened, e.g. `thinking_of_you`.")
    title: str
    body: str
    link: str = Field(description="App path to open, e.g. `/home`.")
    created_at: datetime
    read: bool = False


class NotificationPage(Model):
    items: list[Notification]
    next: str | None = Field(default=None, description="Opaque token for the next page; null on the last one.")
    unread_count: int


class UnreadCount(Model):
    unread_count: int


class MarkNotificationsRead(Model):
    notification_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=100
    )
    all: bool = False

    @field_validator("all")
    @classmethod
    def _one_of(cls, value: bool, info) -> bool:  # info: pydantic's ValidationInfo
        if value and info.data.get("notification_ids"):
            raise ValueError("Give notification ids or all, not both.")
        return value


class NotificationSettings(Model):
    """Per category: whether it is pushed to this person's devices while they are away."""

    push: dict[NotificationCategory, bool]


class PushSubscriptionKeys(Model):
    p256dh: Annotated[str, StringConstraints(min_length=16, max_length=256)]
    auth: Annotated[str, StringConstraints(min_length=8, max_length=64)]


class PushSubscriptionCreate(Model):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    endpoint: Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://")]
    keys: PushSubscriptionKeys
    expirationTime: int | None = None  # the browser's own field name


class PushSubscriptionDelete(Model):
    endpoint: Annotated[str, StringConstraints(min_length=8, max_length=2048)]


class VapidPublicKey(Model):
    public_key: str = Field(description="Application server key: base64url, uncompressed P-256 point.")


class NudgeSent(Model):
    notification_id: str
    sent_at: datetime


# ---------------------------------------------------------------- moments

VIDEO_CONTENT_TYPES: tuple[str, ...] = ("video/mp4", "video/quicktime", "video/webm")
VideoContentType = Literal["video/mp4", "video/quicktime", "video/webm"]
# HEIC comes as either type, from the browsers that send it (Safari on an iPhone, mostly).
PHOTO_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
PhotoContentType = Literal["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
MOMENT_CONTENT_TYPES: tuple[str, ...] = VIDEO_CONTENT_TYPES + PHOTO_CONTENT_TYPES
# One literal (not a union of the two), so a wrong type is refused in one sentence naming them all.
MomentContentType = Literal[
    "video/mp4", "video/quicktime", "video/webm", "image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"
]
MomentKind = Literal["video", "photo"]
# A moment is "processing" until the media job has checked its video (ffmpeg's probe) or made
# its photo's renditions; "failed" when it could not (a video's ``failure_reason`` says why).
MomentStatus = Literal["processing", "ready", "failed"]


def moment_kind(content_type: str) -> MomentKind:
    """Whether an upload of this content type is a photo or a video."""
    return "photo" if content_type in PHOTO_CONTENT_TYPES else "video"


MOMENT_TITLE_MAX = 90
MOMENT_DESCRIPTION_MAX = 1024
MOMENT_TAGS_MAX = 10
TAG_NAME_MAX = 32
TAG_RULE = "1–32 characters: letters (of any language), digits, spaces, hyphens and underscores"
# A tag's slug (lowercase, spaces as hyphens) names it in paths, percent-encoded outside ASCII:
# never a space, a slash or other URL syntax (``is_tag_slug`` checks the decoded slug).
TAG_SLUG_PATTERN = r"^[^\s/\\?#]+$"


def _tag_character(char: str, *, space: bool) -> bool:
    """A letter or digit of any script, with its combining marks (Devanagari vowel signs…)."""
    return char.isalnum() or char in ("_-" + (" " if space else "")) or unicodedata.category(char).startswith("M")


def is_tag_name(name: str) -> bool:
    """What a tag's name may be (after trimming): see TAG_RULE; it starts with a letter, digit or underscore."""
    return (
        1 <= len(name) <= TAG_NAME_MAX
        and (name[0].isalnum() or name[0] == "_")
        and all(_tag_character(char, space=True) for char in name)
    )


def is_tag_slug(slug: str) -> bool:
    return (
        1 <= len(slug) <= TAG_NAME_MAX
        and (slug[0].isalnum() or slug[0] == "_")
        and all(_tag_character(char, space=False) for char in slug)
    )


MomentFilter = Literal["all", "mine", "partner"]
MomentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
MomentTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MOMENT_TITLE_MAX)]
MomentDescription = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MOMENT_DESCRIPTION_MAX)]
TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TAG_NAME_MAX)]


class MomentUploadRequest(Model):
    """Ask for a presigned POST for a new moment's video or photo (its content type says which)."""

    content_type: MomentContentType
    size: int = Field(gt=0, description="Size of the file in bytes.")
    file_name: Annotated[str, StringConstraints(max_length=255)] | None = None


class MomentUploadTicket(UploadTicket):
    """Where the browser posts the file; ``moment_id`` is then used to create the moment."""

    moment_id: str
    min_bytes: int


class MomentCreate(Model):
    """Make the uploaded video or photo a moment (after the server has checked it)."""

    moment_id: MomentId
    title: MomentTitle
    description: MomentDescription = ""
    tags: list[TagName] = Field(default_factory=list, max_length=MOMENT_TAGS_MAX)


class MomentUpdate(Model):
    """The owner changes any of title, description and tags (a field left out stays)."""

    title: MomentTitle | None = None
    description: MomentDescription | None = None
    tags: list[TagName] | None = Field(default=None, max_length=MOMENT_TAGS_MAX)


class Tag(Model):
    slug: str = Field(description="Lowercase, hyphens for spaces; names the tag in paths.")
    name: str = Field(description="As the couple first wrote it.")


class Moment(Model):
    moment_id: str
    owner: PublicProfile
    kind: MomentKind = "video"
    status: MomentStatus = Field(
        default="ready",
        description="`processing` while the media job checks a video or makes a photo's pictures; "
        "`failed` if the video cannot be played or the photo's pictures could not be made.",
    )
    failure_reason: str | None = Field(
        default=None,
        description="Why a failed video cannot be played, in words for the person (null otherwise).",
    )
    title: str
    description: str
    tags: list[Tag]
    content_type: str = Field(description="As uploaded (a photo is served as JPEG).")
    size: int
    duration_seconds: float = Field(description="0 for a photo, and for a video until it is checked.")
    width: int | None = Field(default=None, description="As shown: a photo's upright width.")
    height: int | None = None
    created_at: datetime
    updated_at: datetime | None = None
    video_url: str | None = Field(
        default=None,
        description="Signed URL of the video (null for a photo, and until the video is checked and ready); "
        "serves HTTP Range requests.",
    )
    photo_url: str | None = Field(
        default=None,
        description="Signed URL of the photo as the viewer shows it (upright, at most 1600 px on its long side, "
        "no metadata); null for a video and until the photo is ready.",
    )
    thumbnail_url: str | None = Field(
        default=None,
        description="The feed's picture (a video's frame, a photo 480 px wide); null until it is made.",
    )
    message_count: int = 0


class MomentPage(Model):
    items: list[Moment]
    next: str | None = Field(default=None, description="Opaque token for the next page; null on the last one.")


class CoupleTag(Tag):
    moment_count: int


class CoupleTags(Model):
    items: list[CoupleTag]


# ---------------------------------------------------------------- chat per moment

MESSAGE_TEXT_MAX = 2000
MessageText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_TEXT_MAX)]
# One emoji (with its modifiers and joiners), not text.
Reaction = Annotated[str, StringConstraints(min_length=1, max_length=16)]


class ChatMessageCreate(Model):
    text: MessageText
    client_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = Field(
        default=None, description="Chosen by the sender's tab; a retry with the same id creates nothing new."
    )


class ChatMessageEdit(Model):
    text: MessageText


class ChatReactionSet(Model):
    emoji: Reaction | None = Field(description="The caller's one reaction; null removes it.")


class ChatMessage(Model):
    message_id: str
    moment_id: str
    author_id: str
    text: str = Field(description="Empty once deleted.")
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    reactions: dict[str, str] = Field(default_factory=dict, description="user id → emoji")


class ChatReceipts(Model):
    """How far each partner has got in a moment's chat (message ids sort by time)."""

    delivered_up_to: dict[str, str] = Field(default_factory=dict, description="user id → last message id delivered")
    read_up_to: dict[str, str] = Field(default_factory=dict, description="user id → last message id read")


class ChatMessagePage(Model):
    """Newest first; ``next`` pages back to older messages."""

    items: list[ChatMessage]
    next: str | None = None
    receipts: ChatReceipts


class ChatReceiptUpdate(Model):
    up_to: MomentId = Field(description="The newest message id the caller's device has received (or read).")
    read: bool = Field(default=False, description="Read as well as delivered.")


# ---------------------------------------------------------------- affirmations

AFFIRMATION_TEXT_MAX = 280  # code points, as the app's counter counts them
AFFIRMATIONS_MAX = 500  # one person's list for their partner
AffirmationText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=AFFIRMATION_TEXT_MAX)
]
# Quarter hours of the day, "00:00" … "23:45".
QUARTER_HOUR_PATTERN = r"^([01][0-9]|2[0-3]):(00|15|30|45)$"
LocalTime = Annotated[str, StringConstraints(pattern=QUARTER_HOUR_PATTERN)]
TimeZoneName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class AffirmationCreate(Model):
    text: AffirmationText


class AffirmationUpdate(Model):
    text: AffirmationText


class Affirmation(Model):
    """One affirmation a person wrote for their partner, as its writer sees it."""

    affirmation_id: str
    text: str
    created_at: datetime
    updated_at: datetime | None = None
    times_delivered: int = Field(default=0, description="How often the daily delivery picked it.")
    last_delivered_at: datetime | None = None
    hearts: int = Field(default=0, description="How many of its deliveries the partner hearted.")


class AffirmationPage(Model):
    items: list[Affirmation]
    next: str | None = Field(default=None, description="Opaque token for the next page; null on the last one.")
    count: int = Field(description="How many the writer has (at most 500).")


def _known_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("Choose a time zone from the list, like Europe/Paris.") from error
    return value


class AffirmationSchedule(Model):
    """When a person receives their daily affirmation: on or off, a quarter hour, an IANA zone."""

    enabled: bool
    local_time: LocalTime = "09:00"
    time_zone: TimeZoneName = Field(description="An IANA time zone, e.g. `Europe/Paris`.")

    _zone = field_validator("time_zone")(_known_zone)


class AffirmationScheduleView(AffirmationSchedule):
    chosen: bool = Field(description="False until the person has chosen (the schedule shown is the default).")
    applies_from: date | None = Field(
        default=None, description="A change takes effect from the next day: the local date it applies from."
    )
    next_delivery_at: datetime | None = Field(default=None, description="When the next one is due (UTC), if on.")


AffirmationKind = Literal["daily", "now"]


class ReceivedAffirmation(Model):
    """An affirmation as its recipient received it (the text as it was then)."""

    delivery_id: str
    kind: AffirmationKind
    text: str
    writer_name: str
    local_date: date = Field(description="The recipient's own date when it came.")
    delivered_at: datetime
    hearted: bool = False


class ReceivedAffirmationPage(Model):
    today: list[ReceivedAffirmation] = Field(description="What came today (the recipient's date), newest first.")
    items: list[ReceivedAffirmation] = Field(description="Earlier ones, newest first (a page of them).")
    next: str | None = None


class AffirmationSendNow(Model):
    text: AffirmationText
    save: bool = Field(default=False, description="Also add it to the list the daily delivery picks from.")


class AffirmationSent(Model):
    delivery_id: str
    notification_id: str
    saved: Affirmation | None = None


# ---------------------------------------------------------------- the couple's dates

DATE_TITLE_MAX = 90
DATE_NOTES_MAX = 1000
DateKind = Literal["birthday", "anniversary", "date_night", "trip", "other"]
DATE_KINDS: tuple[str, ...] = ("birthday", "anniversary", "date_night", "trip", "other")
DateRepeat = Literal["once", "yearly"]
ReminderDays = Literal[1, 3, 7, 14]
REMINDER_DAYS: tuple[int, ...] = (1, 3, 7, 14)
# A time of day, "00:00" … "23:59".
TIME_OF_DAY_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TimeOfDay = Annotated[str, StringConstraints(pattern=TIME_OF_DAY_PATTERN)]
DateTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DATE_TITLE_MAX)]
DateNotes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=DATE_NOTES_MAX)]
# The calendar's years: wide enough for any birthday, narrow enough for every key to sort as text.
DATE_YEAR_MIN = 1900
DATE_YEAR_MAX = 2200
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
Day = date  # a field named `date` would shadow the type in its own class's annotations


def _calendar_day(value: date | None) -> date | None:
    if value is not None and not DATE_YEAR_MIN <= value.year <= DATE_YEAR_MAX:
        raise ValueError(f"Choose a date between {DATE_YEAR_MIN} and {DATE_YEAR_MAX}.")
    return value


def _reminder_set(value: list[int] | None) -> list[int] | None:
    """The days before a date its reminders come: a set, kept in order (1, 3, 7, 14)."""
    return sorted(set(value)) if value is not None else None


class CoupleDateCreate(Model):
    kind: DateKind
    title: DateTitle
    date: Day = Field(description="The day (for a yearly date, its first one: a birth date, a wedding day).")
    time: TimeOfDay | None = Field(default=None, description="Local time `HH:MM`; none: all day.")
    time_zone: TimeZoneName | None = Field(
        default=None, description="The IANA zone of `time` (e.g. `Europe/Paris`); UTC when not given."
    )
    notes: DateNotes | None = None
    repeats: DateRepeat = Field(default="once", description="`yearly`: every year (29 February → 28 February).")
    reminders_before: list[ReminderDays] = Field(
        default_factory=list, max_length=4, description="Also remind 1, 3, 7 or 14 days before (both partners)."
    )

    _day = field_validator("date")(_calendar_day)
    _reminders = field_validator("reminders_before")(_reminder_set)


class CoupleDateUpdate(Model):
    """Only the fields sent change; `time` or `notes` sent as null are removed."""

    kind: DateKind | None = None
    title: DateTitle | None = None
    date: Day | None = None
    time: TimeOfDay | None = None
    time_zone: TimeZoneName | None = None
    notes: DateNotes | None = None
    repeats: DateRepeat | None = None
    reminders_before: list[ReminderDays] | None = Field(default=None, max_length=4)

    _day = field_validator("date")(_calendar_day)
    _reminders = field_validator("reminders_before")(_reminder_set)


class CoupleDate(Model):
    """One of the couple's dates, as both partners see it."""

    date_id: str
    kind: DateKind
    title: str
    date: Day
    time: str | None = None
    time_zone: str | None = Field(default=None, description="The IANA zone of `time` (set with a time).")
    notes: str | None = None
    repeats: DateRepeat
    reminders_before: list[int] = Field(default_factory=list)
    created_by: str = Field(description="The partner who added it (user id).")
    created_at: datetime
    updated_at: datetime | None = None


class CalendarEntry(Model):
    """A day something happens: one occurrence of a couple's date, or of the relationship's anniversary."""

    occurs_on: Day = Field(description="This occurrence's day (a yearly 29 February: 28 February in other years).")
    kind: DateKind
    title: str
    time: str | None = None
    years: int | None = Field(
        default=None, description="For a yearly date: years since its first day (the anniversary: years together)."
    )
    date_id: str | None = Field(
        default=None, description="None: the relationship's own anniversary (not editable here)."
    )
    item: CoupleDate | None = None


class CalendarMonth(Model):
    month: str = Field(description="`YYYY-MM`.")
    entries: list[CalendarEntry] = Field(description="Every occurrence in the month, by day and time.")


class UpcomingDates(Model):
    today: Day = Field(description="The day counted from (the caller's own).")
    entries: list[CalendarEntry] = Field(description="The next occurrences from today on, soonest first.")


class CalendarFeed(Model):
    """The caller's private calendar subscription (an iCalendar URL), if they have one."""

    active: bool = Field(default=False, description="Whether the caller has a working feed URL.")
    url: str | None = Field(
        default=None,
        description="Subscribe to this URL in a calendar app; keep it private. Shown only when issued: "
        "only a hash of its secret is kept.",
    )
    created_at: datetime | None = None


class DateReminderTime(Model):
    """When a person's date reminders come: a quarter hour in their zone (independent of affirmations)."""

    local_time: LocalTime = "09:00"
    time_zone: TimeZoneName = Field(description="An IANA time zone, e.g. `Europe/Paris`.")

    _zone = field_validator("time_zone")(_known_zone)


class DateReminderTimeView(DateReminderTime):
    chosen: bool = Field(description="False until the person has chosen (09:00 in the zone their app last gave).")
    set: bool = Field(
        default=False, description="False while no zone is known: no reminders until the app or the person sets one."
    )


class DateReminderZone(Model):
    """The app's zone for the default reminder time (09:00): never changes a time the person chose."""

    time_zone: TimeZoneName

    _zone = field_validator("time_zone")(_known_zone)


# ---------------------------------------------------------------- search


class MomentSearchResults(Model):
    query: str
    items: list[Moment]


# ---------------------------------------------------------------- realtime messages (MQTT payloads, JSON)


class PresenceMessage(Model):
    type: Literal["presence"] = "presence"
    presence: PresenceStatus


class NotificationMessage(Model):
    type: Literal["notification"] = "notification"
    notification: Notification
    unread_count: int


class NotificationsReadMessage(Model):
    type: Literal["notifications_read"] = "notifications_read"
    unread_count: int


class CoupleChangedMessage(Model):
    """Something the partner's screen shows changed (pairing, anniversary, leaving): refetch."""

    type: Literal["couple_changed"] = "couple_changed"
    reason: str


DateChange = Literal["created", "updated", "deleted"]


class DateChangedMessage(Model):
    """One of the couple's dates was added, changed or deleted: refetch the calendar."""

    type: Literal["date_changed"] = "date_changed"
    date_id: str
    change: DateChange
    by_user_id: str | None = None


MomentChange = Literal["created", "updated", "thumbnail_ready", "deleted"]


class MomentChangedMessage(Model):
    """A moment of the couple appeared, changed (a video checked and failed: ``updated``), got its
    thumbnail (a video checked and ready, a photo's pictures made) or went: refetch it (or drop it)."""

    type: Literal["moment_changed"] = "moment_changed"
    moment_id: str
    change: MomentChange
    by_user_id: str | None = None


ChatChange = Literal["created", "edited", "deleted", "reaction"]


class ChatMessageEvent(Model):
    type: Literal["chat_message"] = "chat_message"
    change: ChatChange
    message: ChatMessage


class ChatTypingMessage(Model):
    type: Literal["chat_typing"] = "chat_typing"
    moment_id: str
    user_id: str


# ---------------------------------------------------------------- music (a person's songs)

# What a browser calls the files a song may come in (MP3, AAC/M4A, FLAC, Ogg Vorbis/Opus, WAV).
# One literal, so a wrong type is refused in one sentence naming them all. What a file *is*
# is decided by its bytes (``backend.media.audio``), not by this.
MusicContentType = Literal[
    "audio/mpeg",
    "audio/mp3",
    "audio/mp4",
    "audio/x-m4a",
    "audio/m4a",
    "audio/aac",
    "audio/x-aac",
    "audio/flac",
    "audio/x-flac",
    "audio/ogg",
    "audio/opus",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
    "audio/vnd.wave",
]
# processing: checked, tagged and given its rendition by the music job; ready: playable;
# refused: it could not be (``refused_reason`` says why; its file is gone).
SongStatus = Literal["processing", "ready", "refused"]
# Who can hear a song: only its owner, or the owner's partner too. ("public" comes with
# artist profiles; the API refuses it until then.)
SongVisibility = Literal["private", "partner"]
SongId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class MusicUploadRequest(Model):
    """Ask for a presigned POST for one song's file."""

    content_type: MusicContentType
    size: int = Field(gt=0, description="Size of the file in bytes.")
    file_name: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        default=None, description="The file's name: the song's title until its tags are read (and if it has none)."
    )


class MusicUploadTicket(UploadTicket):
    """Where the browser posts the file; ``song_id`` then confirms the upload."""

    song_id: str
    min_bytes: int


class SongConfirm(Model):
    """The file has been sent: check it and make it a song (processing until the music job is done)."""

    song_id: SongId


class Song(Model):
    song_id: str
    owner_id: str
    mine: bool = Field(description="True for my own song; false for one my partner shared with me.")
    status: SongStatus
    refused_reason: str | None = Field(default=None, description="Why the song was refused (status `refused`).")
    visibility: SongVisibility = "private"
    title: str = Field(description="From the file's tags, else its file name.")
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genre: str | None = None
    duration_seconds: float | None = Field(default=None, description="Known once the song is ready.")
    content_type: str = Field(description="Of the original, as uploaded.")
    size: int = Field(description="Of the original, in bytes (what counts against the quota).")
    loudness_lufs: float | None = Field(default=None, description="Integrated loudness (EBU R128), once ready.")
    created_at: datetime
    updated_at: datetime | None = None
    stream_url: str | None = Field(
        default=None,
        description="Signed URL of the streaming rendition (AAC in MP4, index first; serves HTTP Range); "
        "null until the song is ready.",
    )
    cover_url: str | None = Field(default=None, description="Signed URL of the cover art, if the file had one.")


class SongDetail(Song):
    """One song with what only its own page and the player need."""

    peaks: list[int] = Field(
        default_factory=list,
        description="The waveform for the seek bar: evenly spaced peak levels (0-255) over the whole song; "
        "empty until the song is ready.",
    )


SONG_TEXT_MAX = 200
SongTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SONG_TEXT_MAX)]
# Empty clears the field.
SongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SONG_TEXT_MAX)]


class SongUpdate(Model):
    """The owner changes a ready song's details or who can hear it. A field left out stays; an
    empty text or a null number clears it (the title cannot be cleared)."""

    title: SongTitle | None = None
    artist: SongText | None = None
    album: SongText | None = None
    album_artist: SongText | None = None
    track_number: int | None = Field(default=None, ge=1, le=9999)
    disc_number: int | None = Field(default=None, ge=1, le=999)
    year: int | None = Field(default=None, ge=1000, le=2999)
    genre: SongText | None = None
    visibility: SongVisibility | None = Field(
        default=None, description="`private` (only me) or `partner` (my partner can play it too; a ready song)."
    )


class SongCoverUploadRequest(Model):
    """Ask for a presigned POST for a new cover picture of my song (the avatar's types and limit)."""

    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: int = Field(gt=0, description="Size of the file in bytes.")


class SongCoverConfirm(Model):
    """The picture has been sent (``key`` from the ticket): check it and make it the song's cover."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=512)]


# The library's text filter: folded (no case, no accents) and matched inside the title, artist,
# album or album artist.
SONG_QUERY_MAX = 100


# How the library lists songs: newest first, or A→Z by title, by artist (then album, disc and
# track), or by album (then its artist, disc and track). Case and accents do not change the order.
SongSort = Literal["added", "title", "artist", "album"]
# Whose songs: all of my library, only mine, or only those my partner shares with me.
SongFilter = Literal["all", "mine", "shared"]


class SongPage(Model):
    items: list[Song]
    next: str | None = Field(
        default=None,
        description="Opaque token for the next page; null on the last one (a filtered page may be short, even "
        "empty, with a `next`).",
    )


class Album(Model):
    album_id: str = Field(description="Opaque: names the album in `/music/albums/{album_id}/songs`.")
    name: str
    artist: str | None = Field(default=None, description="The album artist (else the first song's artist).")
    year: int | None = None
    song_count: int
    cover_url: str | None = Field(default=None, description="Signed URL of a cover found in one of its songs.")


class AlbumPage(Model):
    items: list[Album]
    next: str | None = Field(
        default=None, description="Opaque token for the next page; null on the last one (a page may be short)."
    )


class Artist(Model):
    artist_id: str = Field(description="Opaque: names the artist in `/music/artists/{artist_id}/songs`.")
    name: str
    song_count: int


class ArtistPage(Model):
    items: list[Artist]
    next: str | None = Field(
        default=None, description="Opaque token for the next page; null on the last one (a page may be short)."
    )


QUEUE_MAX = 500
RepeatMode = Literal["off", "all", "one"]


class PlayerStateUpdate(Model):
    """Where I am: what plays (a queue entry), how far into it, and how the player plays."""

    current_entry_id: SongId | None = None
    position_seconds: float = Field(default=0.0, ge=0, le=24 * 3600)
    shuffle: bool = False
    repeat: RepeatMode = "off"
    volume: float = Field(default=1.0, ge=0, le=1)


class PlayerState(PlayerStateUpdate):
    updated_at: datetime | None = Field(default=None, description="When it was last saved (null: never).")


class QueueEntry(Model):
    entry_id: str
    song: Song


class PlayerView(Model):
    state: PlayerState
    queue: list[QueueEntry] = Field(description="In play order; songs I can no longer hear are left out.")


class QueueAdd(Model):
    """Add songs to my queue: right after what plays now (`next`) or at its end."""

    song_ids: list[SongId] = Field(min_length=1, max_length=100)
    where: Literal["next", "end"] = "end"


class QueueMove(Model):
    """Move an entry right after another (null: to the start)."""

    after_entry_id: SongId | None = None


class MusicUsage(Model):
    bytes_used: int
    quota_bytes: int
    song_count: int


# ---------------------------------------------------------------- music: playlists

PLAYLIST_NAME_MAX = 100
PLAYLIST_DESCRIPTION_MAX = 1000
PLAYLIST_MAX = 1000  # entries in one playlist
PLAYLIST_ADD_MAX = 100  # songs in one add
PLAYLIST_COVER_SONGS = 4  # the 2×2 mosaic


class PlaylistCreate(Model):
    """A new playlist, mine; shared with my partner at once when `shared` (409 `not_paired` without one)."""

    name: str = Field(min_length=1, max_length=PLAYLIST_NAME_MAX)
    description: str | None = Field(default=None, max_length=PLAYLIST_DESCRIPTION_MAX)
    shared: bool = False


class PlaylistUpdate(Model):
    """Rename, describe (null clears), share with my partner or make personal again: only the
    fields sent change. Only the playlist's creator may (403 for the partner)."""

    name: str | None = Field(default=None, min_length=1, max_length=PLAYLIST_NAME_MAX)
    description: str | None = Field(default=None, max_length=PLAYLIST_DESCRIPTION_MAX)
    shared: bool | None = None


class Playlist(Model):
    playlist_id: str
    owner_id: str
    mine: bool = Field(description="True for my own playlist; false for one my partner shares with me.")
    name: str
    description: str | None = None
    shared: bool = Field(description="Shared with the creator's partner: both add, remove and reorder.")
    entry_count: int = Field(description="How many entries it has, available or not.")
    created_at: datetime
    updated_at: datetime | None = None
    cover_url: str | None = Field(
        default=None,
        description="The cover its creator uploaded (a signed URL of a ≤ 600 px JPEG), or null: then the app "
        "draws the mosaic of `cover_urls`.",
    )
    cover_urls: list[str] = Field(
        default_factory=list,
        description="Without an uploaded cover: the covers of its first songs I can play that have one (up to "
        "four, in playlist order), for a 2×2 mosaic. Filled by `GET /music/playlists/{playlist_id}`; empty in "
        "lists.",
    )


class PlaylistCoverUploadRequest(SongCoverUploadRequest):
    """Ask for a presigned POST for a new cover picture of my playlist (the avatar's types and limit)."""


class PlaylistCoverConfirm(SongCoverConfirm):
    """The picture has been sent (``key`` from the ticket): check it and make it the playlist's cover."""


class PlaylistPage(Model):
    items: list[Playlist]
    next: str | None = None


class PlaylistEntry(Model):
    entry_id: str
    song_id: str
    available: bool = Field(
        description="Whether I can play this song now (false: deleted meanwhile, not ready, or my partner's "
        "song no longer shared with me): shown greyed, never dropped."
    )
    title: str = Field(description="The song's title (as it was when added, when the song is unavailable).")
    artist: str | None = None
    duration_seconds: float | None = None
    added_by: str = Field(description="Who added it (the creator or their partner).")
    added_at: datetime
    song: Song | None = Field(default=None, description="The song with its URLs, when available.")


class PlaylistEntryPage(Model):
    items: list[PlaylistEntry]
    next: str | None = None


class PlaylistAdd(Model):
    """Add songs I can hear (ready; mine or shared with me) at the end, in this order (409
    `song_not_ready`, `playlist_full`; 404 for a song I cannot hear)."""

    song_ids: list[SongId] = Field(min_length=1, max_length=PLAYLIST_ADD_MAX)


class PlaylistEntryMove(Model):
    """Move an entry right after another (null: to the start)."""

    after_entry_id: SongId | None = None


class PlaylistPlay(Model):
    """What "play all" hands to the player: the songs I can play, in playlist order."""

    song_ids: list[str]


PlaylistChange = Literal["created", "updated", "entries", "shared", "unshared", "deleted"]


class PlaylistMoved(Model):
    entry_id: str
    after_entry_id: str | None = Field(default=None, description="The entry it now follows (null: the first).")


class PlaylistChangedMessage(Model):
    """A playlist changed (on the couple's topic when shared, else on its creator's): refetch it
    (`entries`: its entries were added, removed or moved; `unshared`/`deleted`: drop it). A move
    or a removal says which entry, so an open page can show it at once and refetch quietly after."""

    type: Literal["playlist_changed"] = "playlist_changed"
    playlist_id: str
    change: PlaylistChange
    by_user_id: str | None = None
    moved: PlaylistMoved | None = None
    removed_entry_id: str | None = None


# ---------------------------------------------------------------- music: history, stats, search (issue 13)


class PlayReport(Model):
    """One listen of a song, reported when it ends; it counts as a play once half the song, or
    4 minutes, whichever comes first, has been heard (songs longer than 30 seconds)."""

    play_id: SongId = Field(description="The client's own id for this listen: a retried report records nothing new.")
    song_id: SongId
    started_at: datetime = Field(description="When the listen started (within the last 14 days).")
    listened_seconds: float = Field(ge=0, le=86400, description="How much of the song was heard (seeks excluded).")


class Play(Model):
    play_id: str
    song_id: str
    title: str = Field(description="The song's title when it was played.")
    artist: str | None = None
    album: str | None = None
    duration_seconds: float | None = None
    listened_seconds: int = Field(description="What counted of the listen (at most the song's length).")
    started_at: datetime
    local_day: date = Field(description="The day it counts on, in my time zone when it was played.")


class PlayRecorded(Model):
    counted: bool = Field(description="False when too little was heard for the listen to count (nothing stored).")
    play: Play | None = None


class PlayPage(Model):
    items: list[Play]
    next: str | None = Field(default=None, description="Opaque token for the next page; null on the last one.")


# week: the ISO week (Monday to Sunday), month, year, all time; in my time zone.
StatsPeriod = Literal["week", "month", "year", "all"]
STATS_TOP_MAX = 50
STATS_DAYS_MAX = 366


class TopSong(Model):
    song_id: str
    title: str
    artist: str | None = None
    plays: int


class TopArtist(Model):
    artist_id: str = Field(description="As in `/music/artists/{artist_id}/songs`.")
    name: str
    plays: int


class TopAlbum(Model):
    album_id: str = Field(description="As in `/music/albums/{album_id}/songs`.")
    name: str
    artist: str | None = None
    plays: int


class MusicStats(Model):
    period: StatsPeriod
    first_day: date | None = Field(default=None, description="The period's first day (null for all time).")
    last_day: date | None = None
    time_zone: str = Field(description="The zone my days are counted in (the one of my date reminders).")
    plays: int
    seconds: int = Field(description="Listening time of the period's plays.")
    songs: list[TopSong]
    artists: list[TopArtist]
    albums: list[TopAlbum]


class ListeningDay(Model):
    day: date
    seconds: int
    plays: int


class ListeningDays(Model):
    time_zone: str
    items: list[ListeningDay] = Field(description="Oldest first, today last; days without plays are zeros.")


MUSIC_SEARCH_MAX = 100
MUSIC_SEARCH_LIMIT_MAX = 20


class MusicSearchResults(Model):
    """Songs, albums, artists and playlists of my library (mine and those my partner shares with
    me), best match first in each list."""

    songs: list[Song]
    albums: list[Album]
    artists: list[Artist]
    playlists: list[Playlist] = Field(
        default_factory=list, description="My playlists and those my partner shares with me (without cover_urls)."
    )


SongChange = Literal["created", "ready", "refused", "updated", "deleted"]


class SongChangedMessage(Model):
    """One of my songs (or one shared with me) appeared, became ready or refused, changed or went:
    refetch it (or drop it)."""

    type: Literal["song_changed"] = "song_changed"
    song_id: str
    change: SongChange


class ChatReceiptMessage(Model):
    type: Literal["chat_receipt"] = "chat_receipt"
    moment_id: str
    receipts: ChatReceipts


RealtimeMessage = Annotated[
    PresenceMessage
    | NotificationMessage
    | NotificationsReadMessage
    | CoupleChangedMessage
    | MomentChangedMessage
    | DateChangedMessage
    | ChatMessageEvent
    | ChatTypingMessage
    | ChatReceiptMessage
    | SongChangedMessage
    | PlaylistChangedMessage,
    Field(discriminator="type"),
]
