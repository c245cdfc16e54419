"""The caller's own profile and avatar."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

from backend.api import views
from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import AvatarConfirmRequest, AvatarUploadRequest, Profile, UpdateProfileRequest, UploadTicket

router = Router()
TAGS = ["users"]


@router.get("/users/me", tags=TAGS, security=BEARER, summary="My profile", responses=responses(200, Profile, 401))
def me(caller: CurrentCaller) -> Profile:
    from backend.domain import profiles

    return views.own_profile(profiles.me(caller), caller)


@router.patch(
    "/users/me",
    tags=TAGS,
    security=BEARER,
    summary="Change display name or username",
    responses=responses(200, Profile, 401, 409),
)
def update_me(body: UpdateProfileRequest, caller: CurrentCaller) -> Profile:
    from backend.domain import profiles

    return views.own_profile(profiles.update(caller, body.display_name, body.username), caller)


@router.post(
    "/users/me/avatar",
    tags=TAGS,
    security=BEARER,
    summary="A presigned POST for uploading a new avatar straight to storage",
    responses=responses(200, UploadTicket, 401),
)
def avatar_upload(body: AvatarUploadRequest, caller: CurrentCaller) -> UploadTicket:
    from backend.domain import profiles

    ticket = profiles.avatar_upload(caller, body.content_type, body.size)
    return UploadTicket(
        url=ticket.url, fields=ticket.fields, key=ticket.key, max_bytes=ticket.max_bytes, expires_in=ticket.expires_in
    )


@router.put(
    "/users/me/avatar",
    tags=TAGS,
    security=BEARER,
    summary="Use the uploaded picture as avatar, once the server has checked it",
    responses=responses(200, Profile, 401),
)
def avatar_confirm(body: AvatarConfirmRequest, caller: CurrentCaller) -> Profile:
    from backend.domain import profiles

    return views.own_profile(profiles.confirm_avatar(caller, body.key), caller)
