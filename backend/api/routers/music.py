"""Music: a person's songs. Upload tickets, confirming an upload, the library, one song, and the
storage used.

``/music/uploads`` and ``/music/usage`` are static paths, matched before any
``/music/songs/<song_id>`` route.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.contracts import (
    MUSIC_PAGE_DEFAULT,
    MUSIC_PAGE_MAX,
    SONG_QUERY_MAX,
    AlbumPage,
    ArtistPage,
    MusicUploadRequest,
    MusicUploadTicket,
    MusicUsage,
    PlayerStateUpdate,
    PlayerView,
    QueueAdd,
    QueueMove,
    Song,
    SongConfirm,
    SongCoverConfirm,
    SongCoverUploadRequest,
    SongDetail,
    SongFilter,
    SongPage,
    SongSort,
    SongUpdate,
    UploadTicket,
)

# An album's or artist's opaque id (base64url of its folded name).
LibraryId = Annotated[str, Path(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9_-]+$")]
Limit = Annotated[int, Query(ge=1, le=MUSIC_PAGE_MAX)]
NextToken = Annotated[str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")]

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
    from backend.domain import music

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
    from backend.domain import music

    return music.confirm(caller, body.song_id)


@router.get(
    "/music/usage",
    tags=TAGS,
    security=BEARER,
    summary="How much of my music storage my songs use",
    responses=responses(200, MusicUsage, 401),
)
def usage(caller: CurrentCaller) -> MusicUsage:
    from backend.domain import music

    return music.usage(caller)


@router.get(
    "/music/songs",
    tags=TAGS,
    security=BEARER,
    summary="My songs and those my partner shares with me, a page at a time: newest first, by title, or by "
    "artist (then album, disc and track) or by album (then disc and track); filtered by whose they are or by "
    "a text (`q`)",
    responses=responses(200, SongPage, 401),
)
def library(
    caller: CurrentCaller,
    sort: Annotated[SongSort, Query(description="`added` (newest first), `title`, `artist` or `album`")] = "added",
    which: Annotated[
        SongFilter,
        Query(
            alias="filter",
            description="`all`, `mine` or `shared` (with me); a `mine` page may be short. `shared` lists the "
            "songs my partner shares with me newest first, whatever `sort` says (one read of just those songs)",
        ),
    ] = "all",
    limit: Annotated[int, Query(ge=1, le=MUSIC_PAGE_MAX)] = MUSIC_PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
    text: Annotated[
        str | None,
        Query(
            alias="q",
            max_length=SONG_QUERY_MAX,
            description="Only songs whose title, artist, album or album artist contain this text (case and "
            "accents ignored), in any order. A filtered page may be short, even empty: follow `next` until "
            "it is null.",
        ),
    ] = None,
) -> SongPage:
    from backend.domain import music

    page = music.library(caller, sort, limit, next_token, which, text)
    return SongPage(items=page.items, next=page.next_token)


@router.get(
    "/music/songs/<song_id>",
    tags=TAGS,
    security=BEARER,
    summary="One of my songs, or one my partner shares with me, with its waveform and a signed URL of its "
    "rendition (404 for anyone else's)",
    responses=responses(200, SongDetail, 401, 404),
)
def get_song(song_id: PathId, caller: CurrentCaller) -> SongDetail:
    from backend.domain import music

    return music.get_one(caller, song_id)


@router.patch(
    "/music/songs/<song_id>",
    tags=TAGS,
    security=BEARER,
    summary="Change my song's details, share it with my partner or make it private again (403 for my partner's; "
    "409 `not_paired`, `song_not_ready`)",
    responses=responses(200, Song, 401, 403, 404, 409),
)
def update_song(song_id: PathId, body: SongUpdate, caller: CurrentCaller) -> Song:
    from backend.domain import music

    return music.update(caller, song_id, {name: getattr(body, name) for name in body.model_fields_set})


@router.delete(
    "/music/songs/<song_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Delete one of my songs with its files, giving its storage back (404 for anyone else's)",
    responses=responses(204, None, 401, 404, 409, description="Deleted"),
)
def delete_song(song_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import music

    music.delete(caller, song_id)
    return Response(status_code=204)


@router.post(
    "/music/songs/<song_id>/cover",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="A presigned POST for uploading a new cover picture (JPEG, PNG or WebP, the avatar's size limit) "
    "of my ready song (403 for my partner's; 409 `song_not_ready`)",
    responses=responses(201, UploadTicket, 401, 403, 404, 409, description="Ticket made"),
)
def cover_ticket(song_id: PathId, body: SongCoverUploadRequest, caller: CurrentCaller) -> UploadTicket:
    from backend.domain import song_covers

    post = song_covers.cover_ticket(caller, song_id, body.content_type, body.size)
    return UploadTicket(
        url=post.url, fields=post.fields, key=post.key, max_bytes=post.max_bytes, expires_in=post.expires_in
    )


@router.put(
    "/music/songs/<song_id>/cover",
    tags=TAGS,
    security=BEARER,
    summary="Make the uploaded picture my song's cover (at most 600 px, a JPEG without metadata), replacing "
    "the old one, for my partner too when shared (422 `invalid_image` for a file that is not a picture; "
    "403 for my partner's song; 409 `song_not_ready`, `conflict`)",
    responses=responses(200, Song, 401, 403, 404, 409),
)
def confirm_cover(song_id: PathId, body: SongCoverConfirm, caller: CurrentCaller) -> Song:
    from backend.domain import song_covers

    return song_covers.confirm_cover(caller, song_id, body.key)


@router.delete(
    "/music/songs/<song_id>/cover",
    tags=TAGS,
    security=BEARER,
    summary="Remove my song's cover (403 for my partner's song; 409 `song_not_ready`, `conflict`)",
    responses=responses(200, Song, 401, 403, 404, 409),
)
def remove_cover(song_id: PathId, caller: CurrentCaller) -> Song:
    from backend.domain import song_covers

    return song_covers.remove_cover(caller, song_id)


@router.get(
    "/music/albums",
    tags=TAGS,
    security=BEARER,
    summary="The albums of my library (my songs and those my partner shares with me), A to Z",
    responses=responses(200, AlbumPage, 401),
)
def albums(caller: CurrentCaller, limit: Limit = MUSIC_PAGE_DEFAULT, next_token: NextToken = None) -> AlbumPage:
    from backend.domain import music

    page = music.albums(caller, limit, next_token)
    return AlbumPage(items=page.items, next=page.next_token)


@router.get(
    "/music/albums/<album_id>/songs",
    tags=TAGS,
    security=BEARER,
    summary="An album's songs in my library, by disc and track",
    responses=responses(200, SongPage, 401, 404),
)
def album_songs(
    album_id: LibraryId, caller: CurrentCaller, limit: Limit = MUSIC_PAGE_DEFAULT, next_token: NextToken = None
) -> SongPage:
    from backend.domain import music

    page = music.songs_of(caller, "album", album_id, limit, next_token)
    return SongPage(items=page.items, next=page.next_token)


@router.get(
    "/music/artists",
    tags=TAGS,
    security=BEARER,
    summary="The artists of my library, A to Z",
    responses=responses(200, ArtistPage, 401),
)
def artists(caller: CurrentCaller, limit: Limit = MUSIC_PAGE_DEFAULT, next_token: NextToken = None) -> ArtistPage:
    from backend.domain import music

    page = music.artists(caller, limit, next_token)
    return ArtistPage(items=page.items, next=page.next_token)


@router.get(
    "/music/artists/<artist_id>/songs",
    tags=TAGS,
    security=BEARER,
    summary="An artist's songs in my library, by album, disc and track",
    responses=responses(200, SongPage, 401, 404),
)
def artist_songs(
    artist_id: LibraryId, caller: CurrentCaller, limit: Limit = MUSIC_PAGE_DEFAULT, next_token: NextToken = None
) -> SongPage:
    from backend.domain import music

    page = music.songs_of(caller, "artist", artist_id, limit, next_token)
    return SongPage(items=page.items, next=page.next_token)


@router.get(
    "/music/player",
    tags=TAGS,
    security=BEARER,
    summary="My player: what plays, where, how, and the queue (to resume where I left off, on any device)",
    responses=responses(200, PlayerView, 401),
)
def get_player(caller: CurrentCaller) -> PlayerView:
    from backend.domain import player

    return player.view(caller)


@router.put(
    "/music/player/state",
    tags=TAGS,
    security=BEARER,
    summary="Save what plays (a queue entry), how far into it, shuffle, repeat and volume",
    responses=responses(200, PlayerView, 401),
)
def save_player_state(body: PlayerStateUpdate, caller: CurrentCaller) -> PlayerView:
    from backend.domain import player

    return player.save_state(caller, body)


@router.post(
    "/music/player/queue",
    tags=TAGS,
    security=BEARER,
    summary="Queue songs I can hear, after what plays now (`next`) or at the end (409 `queue_full`, "
    "`song_not_ready`; 404 for a song I cannot hear)",
    responses=responses(200, PlayerView, 401, 404, 409),
)
def queue_songs(body: QueueAdd, caller: CurrentCaller) -> PlayerView:
    from backend.domain import player

    return player.add(caller, body.song_ids, body.where)


@router.patch(
    "/music/player/queue/<entry_id>",
    tags=TAGS,
    security=BEARER,
    summary="Move a queue entry right after another (null: to the start)",
    responses=responses(200, PlayerView, 401, 404),
)
def move_queued(entry_id: PathId, body: QueueMove, caller: CurrentCaller) -> PlayerView:
    from backend.domain import player

    return player.move(caller, entry_id, body.after_entry_id)


@router.delete(
    "/music/player/queue/<entry_id>",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Take an entry out of my queue",
    responses=responses(204, None, 401, 404, description="Removed"),
)
def unqueue(entry_id: PathId, caller: CurrentCaller) -> Response[None]:
    from backend.domain import player

    player.remove(caller, entry_id)
    return Response(status_code=204)


@router.delete(
    "/music/player/queue",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    summary="Clear my queue",
    responses=responses(204, None, 401, description="Cleared"),
)
def clear_queue(caller: CurrentCaller) -> Response[None]:
    from backend.domain import player

    player.clear(caller)
    return Response(status_code=204)
