"""Music: playlists, mine and those my partner shares with me (design: ``docs/playlists.md``).

Only the creator renames, describes, shares or deletes a playlist (403 for the partner); both
add, remove and reorder entries of a shared one. Anyone else's playlist is a 404.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.contracts import (
    PLAYLIST_ENTRIES_PAGE_DEFAULT,
    PLAYLIST_ENTRIES_PAGE_MAX,
    PLAYLISTS_PAGE_DEFAULT,
    PLAYLISTS_PAGE_MAX,
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
    UploadTicket,
)

NextToken = Annotated[str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")]

router = Router()
TAGS = ["music"]


@router.get(
    "/music/playlists",
    tags=TAGS,
    security=BEARER,
    summary="My playlists and those my partner shares with me, newest first, a page at a time",
    responses=responses(200, PlaylistPage, 401),
)
def list_playlists(
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=PLAYLISTS_PAGE_MAX)] = PLAYLISTS_PAGE_DEFAULT,
    next_token: NextToken = None,
) -> PlaylistPage:
    from backend.domain import playlists

    page = playlists.playlists(caller, limit, next_token)
    return PlaylistPage(items=page.items, next=page.next_token)


@router.post(
    "/music/playlists",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Make a playlist, personal or shared with my partner at once (409 `not_paired` without one)",
    responses=responses(201, Playlist, 401, 409, description="Playlist made"),
)
def create_playlist(body: PlaylistCreate, caller: CurrentCaller) -> Playlist:
    from backend.domain import playlists

    return playlists.create(caller, body)


@router.get(
    "/music/playlists/<playlist_id>",
    tags=TAGS,
    security=BEARER,
    summary="One of my playlists, or one my partner shares with me, with the covers of its first songs for "
    "a mosaic (404 for anyone else's)",
    responses=responses(200, Playlist, 401, 404),
)
def get_playlist(playlist_id: PathId, caller: CurrentCaller) -> Playlist:
    from backend.domain import playlists

    return playlists.get_one(caller, playlist_id)


@router.patch(
    "/music/playlists/<playlist_id>",
    tags=TAGS,
    security=BEARER,
    summary="Rename or describe my playlist, share it with my partner or make it personal again (403 for my "
    "partner's; 409 `not_paired`, `conflict`)",
    responses=responses(200, Playlist, 401, 403, 404, 409),
)
def update_playlist(playlist_id: PathId, body: PlaylistUpdate, caller: CurrentCaller) -> Playlist:
    from backend.domain import playlists

    return playlists.update(caller, playlist_id, {name: getattr(body, name) for name in body.model_fields_set})


@router.delete(
    "/music/playlists/<playlist_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete my playlist (its songs stay in the library; 403 for my partner's)",
    responses=responses(204, None, 401, 403, 404, description="Deleted"),
)
def delete_playlist(playlist_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import playlists

    playlists.delete(caller, playlist_id)
    return Response(status_code=204)


@router.post(
    "/music/playlists/<playlist_id>/cover",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="A presigned POST for uploading a cover picture of my playlist (JPEG, PNG or WebP, the avatar's "
    "size limit; 403 for my partner's)",
    responses=responses(201, UploadTicket, 401, 403, 404, description="Ticket made"),
)
def cover_ticket(playlist_id: PathId, body: PlaylistCoverUploadRequest, caller: CurrentCaller) -> UploadTicket:
    from backend.domain import playlist_covers

    post = playlist_covers.cover_ticket(caller, playlist_id, body.content_type, body.size)
    return UploadTicket(
        url=post.url, fields=post.fields, key=post.key, max_bytes=post.max_bytes, expires_in=post.expires_in
    )


@router.put(
    "/music/playlists/<playlist_id>/cover",
    tags=TAGS,
    security=BEARER,
    summary="Make the uploaded picture my playlist's cover (at most 600 px, a JPEG without metadata), "
    "replacing the old one (422 `invalid_image` for a file that is not a picture; 403 for my partner's; "
    "409 `conflict`)",
    responses=responses(200, Playlist, 401, 403, 404, 409),
)
def confirm_cover(playlist_id: PathId, body: PlaylistCoverConfirm, caller: CurrentCaller) -> Playlist:
    from backend.domain import playlist_covers

    return playlist_covers.confirm_cover(caller, playlist_id, body.key)


@router.delete(
    "/music/playlists/<playlist_id>/cover",
    tags=TAGS,
    security=BEARER,
    summary="Remove my playlist's uploaded cover: the mosaic of its songs shows again (403 for my partner's; "
    "409 `conflict`)",
    responses=responses(200, Playlist, 401, 403, 404, 409),
)
def remove_cover(playlist_id: PathId, caller: CurrentCaller) -> Playlist:
    from backend.domain import playlist_covers

    return playlist_covers.remove_cover(caller, playlist_id)


@router.get(
    "/music/playlists/<playlist_id>/entries",
    tags=TAGS,
    security=BEARER,
    summary="A playlist's entries in order, a page at a time; a song I cannot play now is listed with "
    "`available: false`",
    responses=responses(200, PlaylistEntryPage, 401, 404),
)
def list_entries(
    playlist_id: PathId,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=PLAYLIST_ENTRIES_PAGE_MAX)] = PLAYLIST_ENTRIES_PAGE_DEFAULT,
    next_token: NextToken = None,
) -> PlaylistEntryPage:
    from backend.domain import playlists

    page = playlists.entries(caller, playlist_id, limit, next_token)
    return PlaylistEntryPage(items=page.items, next=page.next_token)


@router.post(
    "/music/playlists/<playlist_id>/entries",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Add songs I can hear at the end of a playlist, in this order (404 for a song I cannot hear; 409 "
    "`song_not_ready`, `playlist_full`, `conflict`)",
    responses=responses(201, PlaylistEntryPage, 401, 404, 409, description="Added (the new entries)"),
)
def add_entries(playlist_id: PathId, body: PlaylistAdd, caller: CurrentCaller) -> PlaylistEntryPage:
    from backend.domain import playlists

    page = playlists.add(caller, playlist_id, body.song_ids)
    return PlaylistEntryPage(items=page.items, next=None)


@router.patch(
    "/music/playlists/<playlist_id>/entries/<entry_id>",
    tags=TAGS,
    security=BEARER,
    summary="Move an entry right after another (null: to the start); one write (404 when it was removed "
    "meanwhile; 409 `conflict` when another edit held it at that very moment: try again)",
    responses=responses(200, PlaylistEntry, 401, 404, 409),
)
def move_entry(playlist_id: PathId, entry_id: PathId, body: PlaylistEntryMove, caller: CurrentCaller) -> PlaylistEntry:
    from backend.domain import playlists

    return playlists.move(caller, playlist_id, entry_id, body.after_entry_id)


@router.delete(
    "/music/playlists/<playlist_id>/entries/<entry_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Take an entry out of a playlist (409 `conflict` when another edit held it at that very moment)",
    responses=responses(204, None, 401, 404, 409, description="Removed"),
)
def remove_entry(playlist_id: PathId, entry_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import playlists

    playlists.remove(caller, playlist_id, entry_id)
    return Response(status_code=204)


@router.get(
    "/music/playlists/<playlist_id>/play",
    tags=TAGS,
    security=BEARER,
    summary="Play all: the songs of a playlist I can play, in order (for the player's queue)",
    responses=responses(200, PlaylistPlay, 401, 404),
)
def play_playlist(playlist_id: PathId, caller: CurrentCaller) -> PlaylistPlay:
    from backend.domain import playlists

    return playlists.play(caller, playlist_id)
