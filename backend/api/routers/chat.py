"""The chat of a moment: messages, edits, reactions, typing and receipts.

Every route answers 404 for a moment that is not the caller's couple's, exactly as for one
that does not exist. Writes count against the person's chat budget
(``Settings.rate_limit_chat_per_minute``, 429 beyond it). Typing has its own budget; beyond
it the signal is quietly dropped (202 all the same): typing is a courtesy, not data.

Sending with a ``client_id`` makes retries safe: the first send answers 201, a retry with
the same id (within a day) answers 200 with the message the first one made.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from backend.api.auth import BEARER, CurrentCaller
from backend.api.docs import PathId, responses
from backend.api.ratelimit import hit
from backend.contracts import (
    MESSAGES_PAGE_DEFAULT,
    MESSAGES_PAGE_MAX,
    ChatMessage,
    ChatMessageCreate,
    ChatMessageEdit,
    ChatMessagePage,
    ChatReactionSet,
    ChatReceipts,
    ChatReceiptUpdate,
)
from backend.domain.errors import RateLimited

router = Router()
TAGS = ["chat"]

Id = PathId


def _limit_writes(user_id: str) -> None:
    from backend.settings import get_settings

    hit("chat", user_id, get_settings().rate_limit_chat_per_minute)


def _sent_responses() -> dict[int, Any]:
    documented = responses(201, ChatMessage, 401, 404, 409, 429, description="Sent")
    documented[200] = {
        "description": "A retry with the same `client_id`: the message the first send made",
        "content": {"application/json": {"model": ChatMessage}},
    }
    return documented


@router.get(
    "/moments/<moment_id>/messages",
    tags=TAGS,
    security=BEARER,
    summary="A moment's chat, newest first, a page at a time, with the partners' receipts",
    responses=responses(200, ChatMessagePage, 401, 404),
)
def list_messages(
    moment_id: Id,
    caller: CurrentCaller,
    next_token: Annotated[
        str | None, Query(alias="next", max_length=2048, description="The `next` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MESSAGES_PAGE_MAX)] = MESSAGES_PAGE_DEFAULT,
) -> ChatMessagePage:
    from backend.domain import chat

    page = chat.list_page(caller, moment_id, limit, next_token)
    return ChatMessagePage(
        items=[chat.as_contract(message) for message in page.items],
        next=page.next_token,
        receipts=chat.receipts_contract(page.receipts),
    )


@router.post(
    "/moments/<moment_id>/messages",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    summary="Write in a moment's chat (a retry with the same client_id makes no second message)",
    responses=_sent_responses(),
)
def send_message(moment_id: Id, body: ChatMessageCreate, caller: CurrentCaller) -> Response[ChatMessage]:
    from backend.domain import chat

    _limit_writes(caller.user_id)
    message, created = chat.send(caller, moment_id, body.text, body.client_id)
    return Response(
        status_code=201 if created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=chat.as_contract(message),
    )


@router.patch(
    "/moments/<moment_id>/messages/<message_id>",
    tags=TAGS,
    security=BEARER,
    summary="Change the text of my message",
    responses=responses(200, ChatMessage, 401, 403, 404, 409, 429),
)
def edit_message(moment_id: Id, message_id: Id, body: ChatMessageEdit, caller: CurrentCaller) -> ChatMessage:
    from backend.domain import chat

    _limit_writes(caller.user_id)
    return chat.as_contract(chat.edit(caller, moment_id, message_id, body.text))


@router.delete(
    "/moments/<moment_id>/messages/<message_id>",
    tags=TAGS,
    security=BEARER,
    summary="Delete my message (it keeps its place, without text or reactions)",
    responses=responses(200, ChatMessage, 401, 403, 404, 429),
)
def delete_message(moment_id: Id, message_id: Id, caller: CurrentCaller) -> ChatMessage:
    from backend.domain import chat

    _limit_writes(caller.user_id)
    return chat.as_contract(chat.delete(caller, moment_id, message_id))


@router.put(
    "/moments/<moment_id>/messages/<message_id>/reaction",
    tags=TAGS,
    security=BEARER,
    summary="Set my one emoji reaction to a message (null removes it)",
    responses=responses(200, ChatMessage, 401, 404, 409, 429),
)
def set_reaction(moment_id: Id, message_id: Id, body: ChatReactionSet, caller: CurrentCaller) -> ChatMessage:
    from backend.domain import chat

    _limit_writes(caller.user_id)
    return chat.as_contract(chat.react(caller, moment_id, message_id, body.emoji))


@router.post(
    "/moments/<moment_id>/typing",
    status_code=202,
    tags=TAGS,
    security=BEARER,
    summary="I am typing in this moment's chat (shown to my partner)",
    responses=responses(202, None, 401, 404, description="Passed on (or quietly dropped when sent too often)"),
)
def typing(moment_id: Id, caller: CurrentCaller) -> Response[None]:
    from backend.domain import chat
    from backend.settings import get_settings

    try:
        hit("chat-typing", caller.user_id, get_settings().rate_limit_typing_per_minute)
        announce = True
    except RateLimited:
        announce = False
    chat.typing(caller, moment_id, announce=announce)
    return Response(status_code=202)


@router.post(
    "/moments/<moment_id>/receipts",
    tags=TAGS,
    security=BEARER,
    summary="My device received (or I read) this moment's chat up to a message",
    responses=responses(200, ChatReceipts, 401, 404),
)
def mark_receipts(moment_id: Id, body: ChatReceiptUpdate, caller: CurrentCaller) -> ChatReceipts:
    from backend.domain import chat

    return chat.receipts_contract(chat.mark(caller, moment_id, body.up_to, body.read))
