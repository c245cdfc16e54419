"""Every key of the single table, built here and only here.

Items (``type`` attribute → key):

====================  ======================  ===========================  ===========================================
type                  pk                      sk                           indexes
====================  ======================  ===========================  ===========================================
UserProfile           USER#{user_id}          PROFILE                      —
PartnerRequest        USER#{from_user_id}     REQUEST#TO#{to_user_id}      — (the sender's copy)
PartnerRequest        USER#{to_user_id}       REQUEST#FROM#{from_user_id}  — (the recipient's copy)
UsernameClaim         USERNAME#{username}     CLAIM                        —
EmailClaim            EMAIL#{email}           CLAIM                        —
Relationship          REL#{relationship_id}   RELATIONSHIP                 —
couple-owned data     (its own)               (its own)                    gsi2pk=REL#{relationship_id},
                                                                           gsi2sk={kind}#{id}
Notification          USER#{recipient_id}     NOTIFICATION#{id}            while unread: gsi1pk=UNREAD#{recipient_id},
                                                                           gsi1sk=NOTIFICATION#{id}; about the couple:
                                                                           the tenant key (kind NOTIFICATION)
UnreadCounter         USER#{user_id}          UNREAD_COUNT                 —
NotificationGone      USER#{user_id}          NOTIFICATION_GONE#{id}       — (expires_at: a counted removal done)
NotificationSettings  USER#{user_id}          NOTIFICATION_SETTINGS        —
PushSubscription      USER#{user_id}          PUSH#{endpoint_hash}         —
PushEndpointClaim     PUSH#{endpoint_hash}    CLAIM                        — (who holds a browser's endpoint)
MomentUpload          REL#{relationship_id}   UPLOAD#{moment_id}           tenant key (UPLOAD); expires_at: an upload
                                                                           ticket not (yet) made a moment
Moment                REL#{relationship_id}   MOMENT#{moment_id}           gsi1pk=MOMENTS#{rel_id}#BY#{owner_id},
                                                                           gsi1sk=MOMENT#{moment_id}; tenant (MOMENT)
Tag                   REL#{relationship_id}   TAG#{slug}                   tenant key (TAG); moment_count kept by stream
TaggedMoment          REL#{relationship_id}   TAGGED#{slug}#{moment_id}    tenant key (TAGGED)
ChatMessage           MOMENT#{moment_id}      MESSAGE#{message_id}         tenant key (MESSAGE)
ChatClientId          MOMENT#{moment_id}      CLIENT#{client_id}           tenant key (CLIENT); expires_at
ChatReceipt           MOMENT#{moment_id}      RECEIPT#{user_id}            tenant key (RECEIPT)
Affirmation           USER#{recipient_id}     AFFIRMATION#{id}             tenant key (AFFIRMATION); written by the
                                                                           recipient's partner (writer_id)
AffirmationCount      REL#{relationship_id}   AFFCOUNT#{writer_id}         tenant key (AFFCOUNT): how many one wrote
AffirmationDelivery   USER#{recipient_id}     AFFRECEIVED#{delivery_id}    tenant key (AFFRECEIVED); delivery_id =
                                                                           {local_date}_daily | {local_date}_now_{id}
AffirmationSchedule   USER#{user_id}          AFFSCHEDULE#{starts_on}      while on: gsi3pk=AFFDUE#{zone}#{HH:MM},
                                                                           gsi3sk={user_id}#{starts_on}
AffirmationZones      AFFZONES                ZONES                        — (string set: every zone ever chosen)
CoupleDate            REL#{relationship_id}   DATE#{date_id}               gsi1pk=DATES#{rel_id}, gsi1sk=
                                                                           YEARLY#{MM-DD}#{id} | ONCE#{YYYY-MM-DD}#{id};
                                                                           tenant key (DATE); with a time: gsi3pk=
                                                                           DATEHOUR#{zone}#{HH:MM} (an hour before,
                                                                           to the quarter), gsi3sk = its gsi1sk
DateReminderTime      USER#{user_id}          DATEREMINDERS                once a zone is known: gsi3pk=
                                                                           DATEDUE#{zone}#{HH:MM}, gsi3sk={user_id}
DateReminderZones     DATEZONES               ZONES                        — (string set: reminder times' and timed
                                                                           dates' zones)
DateReminded          USER#{user_id}          DATEREMINDED#{reminder_id}   tenant key (DATEREMINDED); reminder_id =
                                                                           {date_id}#{occurrence}#{0|1|3|7|14|hour@HH:MM};
                                                                           expires_at
DateCount             REL#{relationship_id}   DATECOUNT                    tenant key (DATECOUNT): the couple's dates
CalendarFeedClaim     CALFEED#{secret_hash}   CLAIM                        tenant key (CALFEED): whose feed it opens
CalendarFeed          USER#{user_id}          CALFEED                      tenant key (CALFEEDOF): my feed's hash
SongUpload            USER#{owner_id}         SONGUPLOAD#{song_id}         — (expires_at: a ticket not (yet) confirmed)
Song                  USER#{owner_id}         SONG#{song_id}               gsi1pk=SONGS#{owner}#TITLE,
                                                                           gsi1sk={fold(title)}#{fold(artist)}#{id};
                                                                           gsi3pk=SONGS#{owner}#ARTIST, gsi3sk=
                                                                           {fold(artist)}#{fold(album)}#{disc:03}
                                                                           #{track:04}#{id}; gsi4pk=SONGS#{owner}#ALBUM,
                                                                           gsi4sk={fold(album)}#{fold(album_artist)}
                                                                           #{disc:03}#{track:04}#{id} (none of them
                                                                           while refused)
MusicUsage            USER#{owner_id}         MUSICUSAGE                   — (bytes_used, song_count: the quota)
SongHash              USER#{owner_id}         SONGHASH#{sha256}            — (song_id: the one song of this content)
SharedSong            USER#{partner_id}       SONG#{song_id}               the partner's listing copy: gsi1/3/4 as a
                                                                           Song's, keyed by the partner; gsi2pk=
                                                                           REL#{rel}, gsi2sk=SHAREDSONG#{partner_id}
                                                                           #{song_id}; owner_id, shared_rel
Album                 USER#{person}           ALBUM#{album_key}            — (song_count kept by the stream; name,
                                                                           artist, cover_key); album_key = {fold(album)}
                                                                           #{fold(album_artist or artist)}
Artist                USER#{person}           ARTIST#{fold(artist)}        — (song_count kept by the stream; name)
AlbumSong             USER#{person}           INALBUM#{album_key}#{song}   — (the link that counted a song once)
ArtistSong            USER#{person}           BYARTIST#{artist_key}#{song} — (the link that counted a song once)
PlayerState           USER#{user_id}          PLAYER                       — (current entry, position, shuffle, repeat,
                                                                           volume: "resume where I left off")
QueueEntry            USER#{user_id}          QUEUEENTRY#{entry_id}        gsi1pk=QUEUE#{user_id},
                                                                           gsi1sk={position}#{id} (a fractional
                                                                           position: a move writes one item)
Playlist              USER#{owner_id}         PLAYLIST#{playlist_id}       — (name, description, entry_count kept in the
                                                                           transactions that add/remove entries; while
                                                                           shared: shared_rel, shared_with)
SharedPlaylist        USER#{partner_id}       PLAYLIST#{playlist_id}       the partner's listing copy (name, owner_id):
                                                                           gsi2pk=REL#{rel}, gsi2sk=SHAREDPLAYLIST#
                                                                           {partner_id}#{playlist_id} (split: deleted)
PlaylistEntry         PLAYLIST#{playlist_id}  ENTRY#{entry_id}             gsi1pk=PLAYLISTENTRIES#{playlist_id}, gsi1sk=
                                                                           {position}#{entry_id} (a move: one write);
                                                                           gsi3pk=PLAYLISTSONG#{song_id}, gsi3sk=
                                                                           {playlist_id}#{entry_id} (a song's entries)
Play                  USER#{user_id}          PLAY#{play_id}               — (a counted listen; play_id = {started µs
                                                                           hex}{random}: newest first backwards;
                                                                           counted_at once the stream counted it)
PlayClaim             USER#{user_id}          PLAYCLAIM#{client_play_id}   — (play_id; expires_at: a retried report)
ListeningDay          USER#{user_id}          LISTENDAY#{YYYY-MM-DD}       — (seconds, plays of a local day: ADD)
PlayCount             USER#{user_id}          PLAYCOUNT#{period}#{kind}    — (plays: ADD; period W2026-W49 | M2026-12 |
                                              #{key}                       Y2026 | ALL; kind song | artist | album)
PlayTop               USER#{user_id}          PLAYTOP#{period}             — (plays, seconds: ADD; songs, artists,
                                                                           albums: the top 50 of each; version)
Migration             MIGRATION#{name}        DONE                         — (a one-off migration of a kept local
                                                                           table ran: ``backend.local.bootstrap``)
(Powertools record)   IDEMPOTENCY#{function}  {key_prefix}#{hash}          — (expires_at: the sender's deliveries)
====================  ======================  ===========================  ===========================================

Access patterns (pattern → key/index → operation):

=======================================  =============================================  ==================
pattern                                  key / index                                    operation
=======================================  =============================================  ==================
a profile                                USER#{id} / PROFILE                            GetItem
who owns a username (login, uniqueness)  USERNAME#{username} / CLAIM                    GetItem, Put cond.
who owns an e-mail (login, uniqueness)   EMAIL#{email} / CLAIM                          GetItem, Put cond.
requests I sent                          USER#{me}, sk begins_with REQUEST#TO#          Query
requests I received                      USER#{me}, sk begins_with REQUEST#FROM#        Query
one of my requests by id                 USER#{me}, sk begins_with REQUEST#, filter id  Query
a pending request between two people     USER#{a} / REQUEST#TO#{b} (or FROM#)           ConditionCheck
a relationship                           REL#{id} / RELATIONSHIP                        GetItem
everything a couple owns (cascade)       gsi2: gsi2pk = REL#{id}                        Query
everything in a person's partition       USER#{id}                                      Query
my notifications, newest first           USER#{me}, sk begins_with NOTIFICATION#        Query backwards
my unread notifications, newest first    gsi1: gsi1pk = UNREAD#{me}                     Query backwards
one of my notifications                  USER#{me} / NOTIFICATION#{id}                  GetItem
several of my notifications              USER#{me} / NOTIFICATION#{id}, up to 99        BatchGet, Transact
my unread count                          USER#{me} / UNREAD_COUNT                       GetItem; ADD in Tx
my notification settings                 USER#{me} / NOTIFICATION_SETTINGS              GetItem, Put
my push subscriptions (to push)          USER#{me}, sk begins_with PUSH#                Query
who holds a push endpoint                PUSH#{endpoint_hash} / CLAIM                   GetItem, Put cond.
a delivery already done (sender)         IDEMPOTENCY#{function} / {key_prefix}#{hash}   Get, Put cond.
the couple's moments, newest first       REL#{rel}, sk begins_with MOMENT#              Query backwards
one person's moments in the couple       gsi1: gsi1pk = MOMENTS#{rel}#BY#{user}         Query backwards
one moment / several                     REL#{rel} / MOMENT#{id}                        GetItem, BatchGet
a pending upload                         REL#{rel} / UPLOAD#{id}                        Put, Delete cond.
the couple's tags                        REL#{rel}, sk begins_with TAG#                 Query
moments with a tag, newest first         REL#{rel}, sk begins_with TAGGED#{slug}#       Query backwards
a moment's chat, newest first            MOMENT#{id}, sk begins_with MESSAGE#           Query backwards
a moment's receipts                      MOMENT#{id}, sk begins_with RECEIPT#           Query
everything of a moment (cascade)         MOMENT#{id}                                    Query
affirmations for me / my partner         USER#{recipient}, sk begins_with AFFIRMATION#  Query backwards
one affirmation                          USER#{recipient} / AFFIRMATION#{id}            Update/Delete cond.
how many I wrote (cap of 500)            REL#{rel} / AFFCOUNT#{writer}                  ADD cond. in Tx
what I received, newest first            USER#{me}, sk begins_with AFFRECEIVED#         Query backwards
what I received on a local date          USER#{me}, sk begins_with AFFRECEIVED#{date}   Query
a delivery once per person and date      USER#{me} / AFFRECEIVED#{date}_daily           Put attribute_not_exists
my delivery schedules                    USER#{me}, sk begins_with AFFSCHEDULE#         Query
who is due in a zone at a local time     gsi3: gsi3pk = AFFDUE#{zone}#{HH:MM}           Query, every page
the zones to look at                     AFFZONES / ZONES                               GetItem; ADD on write
one of the couple's dates                REL#{rel} / DATE#{id}                          Get, Update/Delete cond.
how many dates a couple keeps (cap)      REL#{rel} / DATECOUNT                          ADD cond. in Tx
yearly dates in a month                  gsi1: DATES#{rel}, begins_with YEARLY#{MM}-    Query
one-off dates in a month                 gsi1: DATES#{rel}, begins_with ONCE#{YYYY-MM}-  Query
upcoming yearly dates: today → 31 Dec    gsi1: DATES#{rel}, YEARLY#{MM-DD} … YEARLY#~   Query (BETWEEN)
… then 1 Jan → today (next year's)       gsi1: DATES#{rel}, YEARLY# … YEARLY#{MM-DD}    Query (BETWEEN)
upcoming one-off dates                   gsi1: DATES#{rel}, ONCE#{date} … ONCE#~        Query (BETWEEN)
every date of a couple (the .ics feed)   gsi1: gsi1pk = DATES#{rel}                     Query, every page
whose feed a secret opens                CALFEED#{sha256(secret)} / CLAIM               GetItem; Put/Delete Tx
my feed                                  USER#{me} / CALFEED                            GetItem; Put/Delete Tx
my date reminder time                    USER#{me} / DATEREMINDERS                      GetItem; Put cond.
who is reminded in a zone at a time      gsi3: gsi3pk = DATEDUE#{zone}#{HH:MM}          Query, every page
timed dates an hour ahead, on a day      gsi3: DATEHOUR#{zone}#{HH:MM}, begins_with      Query
                                         YEARLY#{MM-DD}# | ONCE#{YYYY-MM-DD}#
a person's dates 0-14 days ahead         gsi1: DATES#{rel}, ONCE#{d} … ONCE#{d+14}~,    Query (BETWEEN),
                                         YEARLY#{MM-DD} … (two if it wraps the year)    2-3 a person
a reminder once per person and occasion  USER#{me} / DATEREMINDED#{reminder_id}         Put attribute_not_exists
a pending song upload                    USER#{me} / SONGUPLOAD#{id}                    Put, Delete cond. in Tx
one of my songs                          USER#{me} / SONG#{id}                          GetItem; Put cond. in Tx
my songs by date added, newest first     USER#{me}, sk begins_with SONG#                Query backwards
my songs by title                        gsi1: gsi1pk = SONGS#{me}#TITLE                Query
my songs by artist (then album, track)   gsi3: gsi3pk = SONGS#{me}#ARTIST               Query
my songs by album (then disc, track)     gsi4: gsi4pk = SONGS#{me}#ALBUM                Query
my music storage (the quota)             USER#{me} / MUSICUSAGE                         GetItem; ADD cond. in Tx
my player (state and queue)              USER#{me} / PLAYER; gsi1: QUEUE#{me} in order    GetItem, Query
add / move / remove a queue entry        USER#{me} / QUEUEENTRY#{id} (its gsi1sk moves)   Put, Update, Delete
my albums (A→Z), with at least a song    USER#{me}, sk begins_with ALBUM#, filter count  Query
an album's songs (disc, track)           gsi4: SONGS#{me}#ALBUM, begins_with {album_key}#  Query
my artists (A→Z), with at least a song   USER#{me}, sk begins_with ARTIST#, filter count Query
an artist's songs (album, disc, track)   gsi3: SONGS#{me}#ARTIST, begins_with {artist}#  Query
do I have this file already (dedup)      USER#{me} / SONGHASH#{sha256}                  GetItem; Put cond. in Tx
songs my partner shares with me, listed  the same listings as mine (their SharedSong       Query (with mine)
                                         copies live in my partition and indexes)
only the songs shared with me, newest    gsi2: REL#{rel}, begins_with SHAREDSONG#{me}#  Query backwards
  first (``filter=shared``, any sort)    (:func:`shared_songs_prefix`)
share / unshare a song                   USER#{owner} / SONG#{id} + USER#{partner} /    Tx (update, put/delete,
                                         SONG#{id}                                      checks)
my songs containing a text (any order)   a song listing above, filter contains(gsi1sk or  Query + filter
                                         gsi4sk, fold(q)) (:func:`song_text_filter`)    (pages may be short)
edit / remove a song's cover             USER#{owner} / SONG#{id} (+ the partner's copy)  Put cond. in Tx
my playlists and those shared with me    USER#{me}, sk begins_with PLAYLIST# (own +        Query backwards
  (newest first)                         SharedPlaylist copies) + originals of the copies  + BatchGet
one playlist (access checked on the      USER#{me} / PLAYLIST#{id}; a copy → USER#{owner}  GetItem (1-2)
  original)                              / PLAYLIST#{id}
a playlist's entries in order            gsi1: PLAYLISTENTRIES#{id}                       Query (+ BatchGet songs)
the last entry (add at the end)          gsi1: PLAYLISTENTRIES#{id}, backwards, limit 1   Query
the entry after another (a move)         gsi1: PLAYLISTENTRIES#{id}, gsi1sk BETWEEN       Query (limit)
                                         {position}#{id} AND ~
add / remove entries                     PLAYLIST#{id} / ENTRY#{id} + the playlist's       Tx (put/delete, ADD
                                         entry_count under the caller's access            entry_count cond.)
move an entry                            PLAYLIST#{id} / ENTRY#{id} (its gsi1sk) + a check  Tx (one write, a check)
                                         of the caller's access on the playlist
every entry of a playlist (cascade)      PLAYLIST#{id}                                    Query
every entry of a song (song deleted)     gsi3: gsi3pk = PLAYLISTSONG#{song_id}            Query
share / unshare / rename a playlist      USER#{owner} / PLAYLIST#{id} + USER#{partner} /   Tx
                                         PLAYLIST#{id}
set / remove a playlist's uploaded cover USER#{owner} / PLAYLIST#{id} (cover_key cond.) +    Tx
                                         the partner's copy while shared
record a listen once (client's id)       USER#{me} / PLAYCLAIM#{id} + PLAY#{id}         Put cond. in Tx
recently played, newest first            USER#{me}, sk begins_with PLAY#                Query backwards
count a play once (stream)               USER#{me} / PLAY#{id} (SET counted_at cond.) +  Tx (ADD)
                                         LISTENDAY#, PLAYCOUNT#…, PLAYTOP#…
a period's stats (totals and top lists)  USER#{me} / PLAYTOP#{period}                   GetItem
listening time over the last N days      USER#{me}, sk BETWEEN LISTENDAY#{first} and     Query
                                         LISTENDAY#{today}
search my library (songs, albums,        the music search index, filtered by person      SearchIndex
  artists), then my hits                 (not DynamoDB); USER#{me} / SONG#{id}, ALBUM#,  + BatchGet
                                         ARTIST#
=======================================  =============================================  ==================

Rules that keep this true:

* Uniqueness (usernames, e-mails, one pending request per pair, one partner per person)
  lives in conditions of ``TransactWriteItems``, never in read-then-write code.
* Every couple-owned item carries the tenant key (:func:`tenant_key`), so the stream can
  find and delete all of a couple's data with one Query when the relationship goes.
* The relationship item itself carries no tenant key: it *is* the tenant, and its
  removal is what starts the cascade.
* No route scans; gsi1 holds per-person listings (unread notifications; later features).
* Moment and chat message ids start with the creation time in microseconds (hex) too, so
  the couple's feed and a moment's chat read newest first with a backwards Query.
* Tag counts (``moment_count``) change only with a ``TaggedMoment`` link in the same
  transaction (put under ``attribute_not_exists``, delete under ``attribute_exists``), so a
  replayed stream record cannot count twice.
* Notification ids start with the creation time in microseconds (hex), so the sort key
  orders them by time and a backwards Query lists the newest first.
* Sparse index: only unread notifications carry gsi1 attributes; marking one read removes
  them, so listing unread items never reads the read ones.
* Affirmation ids are time-ordered too (newest first backwards). A writer's count item moves
  only in the transaction that puts (``ADD 1`` under ``count < cap``) or deletes (``ADD -1``
  under the affirmation's existence) an affirmation.
* A daily delivery's key is the recipient's local date: putting it under
  ``attribute_not_exists`` in the transaction that counts the pick makes it happen once,
  however often its message is replayed.
* Schedules are personal (no tenant key). The one in force on a local date is the item with
  the latest ``starts_on`` not after it (``until``, when set, ends it). Only enabled items
  carry gsi3, keyed by the zone and the local quarter hour, so the cron's aggregator reads
  exactly the people of a due slot.
* A couple's date lives at ``DATE#{id}`` (one conditional UpdateItem edits it, even when its
  day moves); its gsi1 sort key is what the calendar reads by: ``YEARLY#{MM-DD}#{id}`` for
  a date that repeats (month-day only, so one Query per month finds it in any year),
  ``ONCE#{YYYY-MM-DD}#{id}`` for a one-off. A month is two Queries (``begins_with``), the
  upcoming list three ranges (yearly from today to December, yearly from January up to
  today, one-off from today on): December → January never wraps a range.
* A calendar feed's secret is stored only as its SHA-256; the claim and the person's
  pointer are written and removed together, both with the tenant key (a split removes them).
* Date reminders ride the affirmations' job path. A person's reminder time is indexed on
  gsi3 by zone and local quarter hour (``DATEDUE#``), as the affirmation schedule is; a date
  with a time is indexed on gsi3 by the quarter hour an hour before it (``DATEHOUR#``) with
  its own calendar key as sort key, so a due slot's Query with the day's prefixes finds it.
  Each reminder is recorded once per person under ``attribute_not_exists`` in the
  transaction that also checks the person is still in the couple.
* Songs belong to a person, not the couple: no tenant key (a split leaves them), and an
  account deletion takes them with the person's partition. Song ids are time-ordered, so
  "date added" is the base table's order; each other order (title, artist) is an index whose
  partition names the order (``SONGS#{owner}#TITLE``), sharing the overloaded gsi1 and gsi3;
  gsi4 (songs by album) is the music's own.
  Sort keys are folded (:func:`sort_text`: no case, no accents) and end with the id, so they
  are unique and stable. A refused song carries none of them (it lists only by date added).
  The library's text filter (``q``) needs no item of its own: the folded title and artist
  (gsi1sk) and album and album artist (gsi4sk) are already on every listed song and copy, so
  it is a ``contains`` filter on the Query of any order (a page may be short; its ``next``
  goes on); the id and numbers in those keys are checked again in code (a hex ``q`` must not
  match an id). A refused song has no sort keys, so ``q`` never finds it.
* A song's cover is a new object per edit (``cover-{upload}.jpg`` under the song's prefix);
  the confirm puts the song (and the partner's copy) under ``updated_at`` as read, then
  deletes the old object. An album shows the cover of the song named in ``cover_song``: the
  stream moves it with that song's edited or removed cover (a song's first cover fills an
  album without one).
* A person's ``MusicUsage.bytes_used`` moves only in the transactions that put (``ADD`` under
  ``bytes_used <= quota - size``), refuse or delete a song (``ADD -size`` under the song's
  state), so it always equals the sum of their songs' originals.
* Sharing a song with the partner writes, in one transaction, the original's ``visibility``,
  ``shared_rel`` and ``shared_with`` and a ``SharedSong`` copy in the partner's partition (so
  their library lists it among their own songs in every order). The copy only lists: every
  read of a song checks the original against the caller's current relationship
  (``tenancy.shared_song``), so a split ends access at once; the copy carries the tenant key,
  so the split's cascade deletes it, and its REMOVE record makes the original private again
  (only if still shared in that relationship and no copy is back). The copy's tenant sort key
  names its recipient (``SHAREDSONG#{recipient}#{song_id}``), so "only what is shared with me"
  is one Query over just those copies, newest first (ids are time-ordered), whatever the
  library's size; it has that one order (the other orders would read the whole library), so
  ``filter=shared`` lists newest first whatever ``sort`` says. The cascade reads the tenant
  partition whole (no sort-key prefix), so the key's shape is free. Copies written before the
  recipient was in the key are rewritten once by the local bootstrap (``Migration`` mark).
* Albums and artists are summaries the stream keeps for each person (their own ready songs and
  those shared with them): a song counts in an album (an artist) only through its link item,
  put under ``attribute_not_exists`` in the transaction that adds 1 and deleted under
  ``attribute_exists`` in the one that takes it away, so a replayed record cannot count twice.
  The handler compares the links with the song as it is now (not the record's image), so
  records arriving late or twice converge. Summaries are not deleted at zero; lists skip them.
* One song per person and content: the ``SongHash`` claim (SHA-256 of the original) is put
  under ``attribute_not_exists`` in the transaction that makes a song ready, and deleted with
  the song; a second upload of the same file is refused by the music job.
* A play is counted once: the stream's transaction sets ``counted_at`` on the ``Play`` itself
  under ``attribute_not_exists(counted_at)`` (and ``attribute_exists(pk)``: a deleted play is not
  counted) together with every ``ADD`` (day, per-period counts and totals), so a replayed record
  adds nothing. A period's top lists (``PLAYTOP#``) take ``max(kept, counter)`` per entry (counters
  only grow) under ``version`` as read, so merging again changes nothing. Days, weeks (ISO,
  Monday start), months and years are the person's zone's, stored on the play when it is
  recorded, so a replay lands in the same buckets (docs/music-stats.md).
* The unread count is the number of notifications flagged ``unread_counted``; only
  ``backend.store.notifications`` changes flag and counter, in one transaction whose
  conditions pin the item's state, so any replay of a stream record is harmless.
* A playlist belongs to its creator (``USER#{owner}``), never to the couple, so a split leaves
  it with them; the partner's ``SharedPlaylist`` copy carries the tenant key (a split deletes
  it) and only lists: every read and write checks the original's ``shared_rel``/``shared_with``
  against the caller. Entries live in the playlist's own partition (``PLAYLIST#{id}``): each
  add is a new item (fresh id, ``attribute_not_exists``), so two adds never overwrite each
  other; a move updates one entry under ``attribute_exists`` (a move racing a removal fails,
  nothing comes back); ``entry_count`` moves only in the transactions that put or delete an
  entry under those conditions, so a replayed cascade cannot count twice. An uploaded cover
  is a new object per change under ``private/users/{owner}/playlists/{id}/`` (``cover_key``
  on the playlist and its copy, conditioned on the cover as read); the old object is deleted
  after the write, the playlist's REMOVE record empties the prefix.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Literal

Key = dict[str, str]

PROFILE = "PROFILE"
CLAIM = "CLAIM"
RELATIONSHIP = "RELATIONSHIP"
REQUEST_PREFIX = "REQUEST#"
SENT_PREFIX = "REQUEST#TO#"
RECEIVED_PREFIX = "REQUEST#FROM#"

TENANT_INDEX = "gsi2"


def user_partition(user_id: str) -> str:
    return f"USER#{user_id}"


def profile(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": PROFILE}


def username_claim(username: str) -> Key:
    return {"pk": f"USERNAME#{username}", "sk": CLAIM}


def email_claim(email: str) -> Key:
    return {"pk": f"EMAIL#{email}", "sk": CLAIM}


def sent_request(from_user_id: str, to_user_id: str) -> Key:
    """The sender's copy of a pending request (one per pair and direction)."""
    return {"pk": user_partition(from_user_id), "sk": f"{SENT_PREFIX}{to_user_id}"}


def received_request(to_user_id: str, from_user_id: str) -> Key:
    """The recipient's copy of the same request."""
    return {"pk": user_partition(to_user_id), "sk": f"{RECEIVED_PREFIX}{from_user_id}"}


def request_copies(from_user_id: str, to_user_id: str) -> tuple[Key, Key]:
    return sent_request(from_user_id, to_user_id), received_request(to_user_id, from_user_id)


def request_prefix(direction: Literal["sent", "received", "any"]) -> str:
    return {"sent": SENT_PREFIX, "received": RECEIVED_PREFIX, "any": REQUEST_PREFIX}[direction]


def relationship(relationship_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": RELATIONSHIP}


def tenant(relationship_id: str) -> str:
    return f"REL#{relationship_id}"


def tenant_key(relationship_id: str, kind: str, item_id: str) -> Key:
    """The index attributes every couple-owned item must carry."""
    return {"gsi2pk": tenant(relationship_id), "gsi2sk": f"{kind}#{item_id}"}


def key_of(item: dict) -> Key:
    """The primary key of a stored item (from a query result or a stream image)."""
    return {"pk": item["pk"], "sk": item["sk"]}


# ---------------------------------------------------------------- notifications and push

NOTIFICATION_PREFIX = "NOTIFICATION#"
PUSH_PREFIX = "PUSH#"
UNREAD_INDEX = "gsi1"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"


def notification(recipient_id: str, notification_id: str) -> Key:
    return {"pk": user_partition(recipient_id), "sk": f"{NOTIFICATION_PREFIX}{notification_id}"}


def unread_partition(recipient_id: str) -> str:
    return f"UNREAD#{recipient_id}"


def unread_index_key(recipient_id: str, notification_id: str) -> Key:
    """The sparse-index attributes an unread notification carries (and loses when read)."""
    return {"gsi1pk": unread_partition(recipient_id), "gsi1sk": f"{NOTIFICATION_PREFIX}{notification_id}"}


def notification_id_of(sort_key: str) -> str:
    return sort_key.removeprefix(NOTIFICATION_PREFIX)


def unread_counter(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": "UNREAD_COUNT"}


def notification_gone(recipient_id: str, notification_id: str) -> Key:
    return {"pk": user_partition(recipient_id), "sk": f"NOTIFICATION_GONE#{notification_id}"}


def notification_settings(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": "NOTIFICATION_SETTINGS"}


def push_subscription(user_id: str, endpoint_hash: str) -> Key:
    return {"pk": user_partition(user_id), "sk": f"{PUSH_PREFIX}{endpoint_hash}"}


def push_endpoint_claim(endpoint_hash: str) -> Key:
    return {"pk": f"{PUSH_PREFIX}{endpoint_hash}", "sk": CLAIM}


def idempotency_partition(function: str) -> str:
    """Where Powertools keeps a function's idempotency records (it builds the sort key itself)."""
    return f"{IDEMPOTENCY_PREFIX}{function}"


# ---------------------------------------------------------------- moments, tags, chat

MOMENT_PREFIX = "MOMENT#"
UPLOAD_PREFIX = "UPLOAD#"
TAG_PREFIX = "TAG#"
TAGGED_PREFIX = "TAGGED#"
MESSAGE_PREFIX = "MESSAGE#"
CLIENT_PREFIX = "CLIENT#"
RECEIPT_PREFIX = "RECEIPT#"
OWNER_INDEX = "gsi1"


def moment(relationship_id: str, moment_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"{MOMENT_PREFIX}{moment_id}"}


def moment_owner_partition(relationship_id: str, owner_id: str) -> str:
    return f"MOMENTS#{relationship_id}#BY#{owner_id}"


def moment_owner_index_key(relationship_id: str, owner_id: str, moment_id: str) -> Key:
    """gsi1 attributes of a moment: one person's moments within their couple."""
    return {"gsi1pk": moment_owner_partition(relationship_id, owner_id), "gsi1sk": f"{MOMENT_PREFIX}{moment_id}"}


def moment_upload(relationship_id: str, moment_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"{UPLOAD_PREFIX}{moment_id}"}


def tag(relationship_id: str, slug: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"{TAG_PREFIX}{slug}"}


def tagged_prefix(slug: str) -> str:
    return f"{TAGGED_PREFIX}{slug}#"


def tagged_moment(relationship_id: str, slug: str, moment_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"{tagged_prefix(slug)}{moment_id}"}


def moment_partition(moment_id: str) -> str:
    """Where a moment's chat lives (messages, receipts, retry ids)."""
    return f"MOMENT#{moment_id}"


def chat_message(moment_id: str, message_id: str) -> Key:
    return {"pk": moment_partition(moment_id), "sk": f"{MESSAGE_PREFIX}{message_id}"}


def chat_client_id(moment_id: str, client_id: str) -> Key:
    return {"pk": moment_partition(moment_id), "sk": f"{CLIENT_PREFIX}{client_id}"}


def chat_receipt(moment_id: str, user_id: str) -> Key:
    return {"pk": moment_partition(moment_id), "sk": f"{RECEIPT_PREFIX}{user_id}"}


# ---------------------------------------------------------------- affirmations

AFFIRMATION_PREFIX = "AFFIRMATION#"
RECEIVED_AFFIRMATION_PREFIX = "AFFRECEIVED#"
SCHEDULE_PREFIX = "AFFSCHEDULE#"
DUE_INDEX = "gsi3"


def affirmation(recipient_id: str, affirmation_id: str) -> Key:
    return {"pk": user_partition(recipient_id), "sk": f"{AFFIRMATION_PREFIX}{affirmation_id}"}


def affirmation_count(relationship_id: str, writer_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"AFFCOUNT#{writer_id}"}


def received_affirmation(recipient_id: str, delivery_id: str) -> Key:
    return {"pk": user_partition(recipient_id), "sk": f"{RECEIVED_AFFIRMATION_PREFIX}{delivery_id}"}


def daily_delivery_id(local_date: str) -> str:
    """The one daily delivery a person can get on a local date (ISO ``YYYY-MM-DD``)."""
    return f"{local_date}_daily"


def now_delivery_id(local_date: str, item_id: str) -> str:
    return f"{local_date}_now_{item_id}"


def affirmation_schedule(user_id: str, starts_on: str) -> Key:
    return {"pk": user_partition(user_id), "sk": f"{SCHEDULE_PREFIX}{starts_on}"}


def due_partition(zone: str, local_time: str) -> str:
    return f"AFFDUE#{zone}#{local_time}"


def due_index_key(zone: str, local_time: str, user_id: str, starts_on: str) -> Key:
    """gsi3 attributes of an enabled schedule: who is due at this local quarter hour in this zone."""
    return {"gsi3pk": due_partition(zone, local_time), "gsi3sk": f"{user_id}#{starts_on}"}


def affirmation_zones() -> Key:
    return {"pk": "AFFZONES", "sk": "ZONES"}


# ---------------------------------------------------------------- the couple's dates and calendar feeds

DATE_PREFIX = "DATE#"
YEARLY_PREFIX = "YEARLY#"
ONCE_PREFIX = "ONCE#"
DATES_INDEX = "gsi1"
# Sorts after every "MM-DD#…" and "YYYY-MM-DD#…": the open end of a range.
RANGE_END = "~"


def couple_date(relationship_id: str, date_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": f"{DATE_PREFIX}{date_id}"}


def dates_partition(relationship_id: str) -> str:
    return f"DATES#{relationship_id}"


def date_index_sort_key(repeats: str, day: str, date_id: str) -> str:
    """``YEARLY#{MM-DD}#{id}`` or ``ONCE#{YYYY-MM-DD}#{id}`` (``day`` is ISO ``YYYY-MM-DD``)."""
    if repeats == "yearly":
        return f"{YEARLY_PREFIX}{day[5:]}#{date_id}"
    return f"{ONCE_PREFIX}{day}#{date_id}"


def date_index_key(relationship_id: str, repeats: str, day: str, date_id: str) -> Key:
    """gsi1 attributes of a couple's date: where the month and upcoming views find it."""
    return {"gsi1pk": dates_partition(relationship_id), "gsi1sk": date_index_sort_key(repeats, day, date_id)}


def date_count(relationship_id: str) -> Key:
    return {"pk": tenant(relationship_id), "sk": "DATECOUNT"}


def calendar_feed_claim(secret_hash: str) -> Key:
    return {"pk": f"CALFEED#{secret_hash}", "sk": CLAIM}


def calendar_feed(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": "CALFEED"}


# ---------------------------------------------------------------- date reminders

DATE_REMINDED_PREFIX = "DATEREMINDED#"


def date_reminder_time(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": "DATEREMINDERS"}


def date_due_partition(zone: str, local_time: str) -> str:
    return f"DATEDUE#{zone}#{local_time}"


def date_hour_partition(zone: str, local_time: str) -> str:
    return f"DATEHOUR#{zone}#{local_time}"


def date_reminder_zones() -> Key:
    return {"pk": "DATEZONES", "sk": "ZONES"}


def date_reminded(user_id: str, reminder_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": f"{DATE_REMINDED_PREFIX}{reminder_id}"}


# ---------------------------------------------------------------- music (a person's songs)

SONG_PREFIX = "SONG#"
SONG_UPLOAD_PREFIX = "SONGUPLOAD#"
SONG_TITLE_INDEX = "gsi1"
SONG_ARTIST_INDEX = "gsi3"
SONG_ALBUM_INDEX = "gsi4"
SONG_INDEX_ATTRIBUTES = ("gsi1pk", "gsi1sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk")
SORT_TEXT_MAX = 80
# Sorts after every letter and digit: where a song without an artist (or album) goes.
UNKNOWN_SORTS_LAST = "~"


def song(owner_id: str, song_id: str) -> Key:
    return {"pk": user_partition(owner_id), "sk": f"{SONG_PREFIX}{song_id}"}


def song_upload(owner_id: str, song_id: str) -> Key:
    return {"pk": user_partition(owner_id), "sk": f"{SONG_UPLOAD_PREFIX}{song_id}"}


def song_hash(owner_id: str, sha256: str) -> Key:
    return {"pk": user_partition(owner_id), "sk": f"SONGHASH#{sha256}"}


SHARED_SONG_KIND = "SHAREDSONG"


def shared_songs_prefix(recipient_id: str) -> str:
    """The tenant sort keys of the copies shared *with* ``recipient_id`` in a couple
    (``SHAREDSONG#{recipient}#``): "shared with me", newest first, is one Query."""
    return f"{SHARED_SONG_KIND}#{recipient_id}#"


def shared_song_tenant_key(relationship_id: str, recipient_id: str, song_id: str) -> Key:
    """gsi2 attributes of a partner's copy: the couple's tenant key (a split deletes it) whose sort
    key names the recipient, then the time-ordered song id."""
    return {"gsi2pk": tenant(relationship_id), "gsi2sk": f"{shared_songs_prefix(recipient_id)}{song_id}"}


def migration(name: str) -> Key:
    """The mark a one-off data migration of a kept local table leaves once it is done."""
    return {"pk": f"MIGRATION#{name}", "sk": "DONE"}


ALBUM_PREFIX = "ALBUM#"
ARTIST_PREFIX = "ARTIST#"


def album_key_of(album: str | None, album_artist: str | None, artist: str | None) -> str | None:
    """Which album a song belongs to (None without an album name): its folded name and artist."""
    if not album or not album.strip():
        return None
    return f"{sort_text(album)}#{sort_text(album_artist or artist)}"


def artist_key_of(artist: str | None) -> str | None:
    return sort_text(artist) if artist and artist.strip() else None


def album(person_id: str, album_key: str) -> Key:
    return {"pk": user_partition(person_id), "sk": f"{ALBUM_PREFIX}{album_key}"}


def artist(person_id: str, artist_key: str) -> Key:
    return {"pk": user_partition(person_id), "sk": f"{ARTIST_PREFIX}{artist_key}"}


def album_song(person_id: str, album_key: str, song_id: str) -> Key:
    return {"pk": user_partition(person_id), "sk": f"INALBUM#{album_key}#{song_id}"}


def artist_song(person_id: str, artist_key: str, song_id: str) -> Key:
    return {"pk": user_partition(person_id), "sk": f"BYARTIST#{artist_key}#{song_id}"}


QUEUE_INDEX = "gsi1"


def player_state(user_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": "PLAYER"}


def queue_entry(user_id: str, entry_id: str) -> Key:
    return {"pk": user_partition(user_id), "sk": f"QUEUEENTRY#{entry_id}"}


def queue_partition(user_id: str) -> str:
    return f"QUEUE#{user_id}"


def queue_index_key(user_id: str, position: str, entry_id: str) -> Key:
    """gsi1 attributes of a queue entry: the person's queue in order (``#`` sorts below every
    position digit, so a shorter position sorts first as it should)."""
    return {"gsi1pk": queue_partition(user_id), "gsi1sk": f"{position}#{entry_id}"}


def music_usage(owner_id: str) -> Key:
    return {"pk": user_partition(owner_id), "sk": "MUSICUSAGE"}


def sort_text(value: str | None) -> str:
    """How a title, artist or album sorts: no case, no accents, single spaces, no ``#`` (the
    separator), at most SORT_TEXT_MAX characters; nothing sorts last."""
    folded = fold_text(value)[:SORT_TEXT_MAX].rstrip()
    return folded or UNKNOWN_SORTS_LAST


def fold_text(value: str | None) -> str:
    """Text as the library compares it: no case, no accents, single spaces, no ``#``; "" for
    nothing. (:func:`sort_text` is this, cut to SORT_TEXT_MAX characters.)"""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().replace("#", " ")
    return " ".join(plain.split())


# The sort keys that hold a song's folded title and artist (gsi1sk) and album and album artist
# (gsi4sk): what the library's text filter looks into.
SONG_TEXT_ATTRIBUTES = ("gsi1sk", "gsi4sk")


def song_text_filter(folded_query: str) -> tuple[str, dict[str, str]]:
    """A FilterExpression (and its values) keeping the songs whose folded title, artist, album
    or album artist contain ``folded_query`` (already :func:`fold_text`-ed, not empty).
    The keys also hold the id, disc and track: :func:`song_text_matches` checks again."""
    expression = " OR ".join(f"contains({name}, :q)" for name in SONG_TEXT_ATTRIBUTES)
    return f"({expression})", {":q": folded_query}


def song_text_matches(folded_query: str, *texts: str | None) -> bool:
    """Whether the query is inside one of the song's texts, as the sort keys hold them."""
    return any(text and folded_query in sort_text(text) for text in texts)


def song_title_partition(owner_id: str) -> str:
    return f"SONGS#{owner_id}#TITLE"


def song_artist_partition(owner_id: str) -> str:
    return f"SONGS#{owner_id}#ARTIST"


def song_album_partition(owner_id: str) -> str:
    return f"SONGS#{owner_id}#ALBUM"


def song_index_keys(
    owner_id: str,
    song_id: str,
    title: str,
    artist: str | None,
    album: str | None,
    disc_number: int | None,
    track_number: int | None,
    album_artist: str | None = None,
) -> Key:
    """gsi1 (by title), gsi3 (by artist, then album, disc and track) and gsi4 (by album, then its
    artist, disc and track) attributes of a song
    (a refused song has none: :data:`SONG_INDEX_ATTRIBUTES` are removed)."""
    disc = min(max(disc_number or 0, 0), 999)
    track = min(max(track_number or 0, 0), 9999)
    return {
        "gsi1pk": song_title_partition(owner_id),
        "gsi1sk": f"{sort_text(title)}#{sort_text(artist)}#{song_id}",
        "gsi3pk": song_artist_partition(owner_id),
        "gsi3sk": f"{sort_text(artist)}#{sort_text(album)}#{disc:03d}#{track:04d}#{song_id}",
        "gsi4pk": song_album_partition(owner_id),
        "gsi4sk": f"{sort_text(album)}#{sort_text(album_artist or artist)}#{disc:03d}#{track:04d}#{song_id}",
    }


# ---------------------------------------------------------------- playlists

PLAYLIST_PREFIX = "PLAYLIST#"
PLAYLIST_ENTRY_PREFIX = "ENTRY#"
PLAYLIST_ENTRIES_INDEX = "gsi1"
PLAYLIST_SONG_INDEX = "gsi3"
SHARED_PLAYLIST_KIND = "SHAREDPLAYLIST"
# Sorts after every position digit: the open end of "the entries after this one".
ENTRIES_END = "~"


def playlist(person_id: str, playlist_id: str) -> Key:
    """A playlist (``USER#{owner}``) or the partner's listing copy of it (``USER#{partner}``)."""
    return {"pk": user_partition(person_id), "sk": f"{PLAYLIST_PREFIX}{playlist_id}"}


def playlist_partition(playlist_id: str) -> str:
    """Where a playlist's entries live (owned by the playlist, not by whoever added them)."""
    return f"PLAYLIST#{playlist_id}"


def playlist_entry(playlist_id: str, entry_id: str) -> Key:
    return {"pk": playlist_partition(playlist_id), "sk": f"{PLAYLIST_ENTRY_PREFIX}{entry_id}"}


def playlist_entries_partition(playlist_id: str) -> str:
    return f"PLAYLISTENTRIES#{playlist_id}"


def playlist_entry_index_key(playlist_id: str, position: str, entry_id: str) -> Key:
    """gsi1 attributes of an entry: the playlist in order (``#`` sorts below every position digit,
    so a shorter position sorts first; equal positions, from two edits at once, keep both entries,
    ordered by id)."""
    return {"gsi1pk": playlist_entries_partition(playlist_id), "gsi1sk": f"{position}#{entry_id}"}


def playlist_song_partition(song_id: str) -> str:
    return f"PLAYLISTSONG#{song_id}"


def playlist_song_index_key(song_id: str, playlist_id: str, entry_id: str) -> Key:
    """gsi3 attributes of an entry: every entry of a song in every playlist (the song went)."""
    return {"gsi3pk": playlist_song_partition(song_id), "gsi3sk": f"{playlist_id}#{entry_id}"}


def shared_playlist_tenant_key(relationship_id: str, recipient_id: str, playlist_id: str) -> Key:
    """gsi2 attributes of a partner's copy of a playlist: the couple's tenant key, so a split
    deletes the copy (and its REMOVE record gives the playlist back to its creator)."""
    return {"gsi2pk": tenant(relationship_id), "gsi2sk": f"{SHARED_PLAYLIST_KIND}#{recipient_id}#{playlist_id}"}


# ---------------------------------------------------------------- music: plays, stats (issue 13)

PLAY_PREFIX = "PLAY#"
LISTENING_DAY_PREFIX = "LISTENDAY#"
ALL_TIME = "ALL"


def play(user_id: str, play_id: str) -> Key:
    """One counted listen; ``play_id`` starts with its start time (µs, hex), so newest first is
    a backwards Query over :data:`PLAY_PREFIX`."""
    return {"pk": user_partition(user_id), "sk": f"{PLAY_PREFIX}{play_id}"}


def play_claim(user_id: str, client_play_id: str) -> Key:
    """The client's id of a listen, claimed with its play: a retried report records nothing new."""
    return {"pk": user_partition(user_id), "sk": f"PLAYCLAIM#{client_play_id}"}


def listening_day(user_id: str, local_day: str) -> Key:
    """A person's listening on one day of their own zone (``YYYY-MM-DD``)."""
    return {"pk": user_partition(user_id), "sk": f"{LISTENING_DAY_PREFIX}{local_day}"}


def period_keys(local_day: str) -> list[str]:
    """The stats periods a local day (``YYYY-MM-DD``) belongs to: its ISO week (Monday start),
    month, year and all time: ``W2026-W49``, ``M2026-12``, ``Y2026``, ``ALL``."""
    day = date.fromisoformat(local_day)
    iso = day.isocalendar()
    return [f"W{iso.year}-W{iso.week:02d}", f"M{day.year}-{day.month:02d}", f"Y{day.year}", ALL_TIME]


def play_count(user_id: str, period: str, kind: str, item_key: str) -> Key:
    """How often a song, an artist or an album (``kind``) was played in a period."""
    return {"pk": user_partition(user_id), "sk": f"PLAYCOUNT#{period}#{kind}#{item_key}"}


def play_top(user_id: str, period: str) -> Key:
    """A period's totals and its bounded top lists of songs, artists and albums."""
    return {"pk": user_partition(user_id), "sk": f"PLAYTOP#{period}"}
