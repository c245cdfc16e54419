"""Music: a person's songs. Upload tickets, confirming an upload, and the storage used.

``/music/uploads`` and ``/music/usage`` are static paths, matched before any
``/music/songs/<song_id>`` route.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import responses
from backend.contracts import MusicUploadRequest, MusicUploadTicket, MusicUsage, Song, SongConfirm
from backend.domain import music

router = Router()
TAGS = ["music"]


@router.post(
    "/music/uploads",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="A presigned POST for uploading one song's file straight to storage (409 `quota_exceeded` "
    "when it would not fit in my music storage)",
    responses=responses(201, MusicUploadTicket, 401, 409, description="Ticket made"),
)
def upload_ticket(body: MusicUploadRequest, caller: CurrentCaller) -> MusicUploadTicket:
    ticket = music.upload_ticket(caller, body.content_type, body.size, body.file_name)
    post = ticket.post
    return MusicUploadTicket(
        url=post.url,
        fields=post.fields,
        key=post.key,
        max_bytes=post.max_bytes,
        min_bytes=post.min_bytes,
        expires_in=post.expires_in,
        song_id=ticket.song_id,
    )


@router.post(
    "/music/songs",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Make an uploaded file a song: `processing` until the music job has checked it, read its tags and "
    "made its rendition (422 `invalid_audio` says why a file is not a song; 409 `quota_exceeded`)",
    responses=responses(201, Song, 401, 404, 409, description="Song made (processing)"),
)
def confirm(body: SongConfirm, caller: CurrentCaller) -> Song:
    return music.confirm(caller, body.song_id)


@router.get(
    "/music/usage",
    tags=TAGS,
    security=BEARER,
    summary="How much of my music storage my songs use",
    responses=responses(200, MusicUsage, 401),
)
def usage(caller: CurrentCaller) -> MusicUsage:
    return music.usage(caller)
