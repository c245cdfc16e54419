"""Give the emulated DynamoDB and Cognito the guarantees the real ones document, where moto 5.2.5 lacks them.

Lumi's correctness rests on two DynamoDB promises: a transaction is all-or-nothing and
isolated from concurrent writes, and the stream shows exactly what was committed. moto
5.2.5 breaks both (reproduced by ``tests/integration/test_api_emulator.py``):

1. Requests run on concurrent server threads with no lock, so two ``TransactWriteItems``
   claiming the same item can both pass their conditions and both report success.
2. A cancelled transaction is undone by putting back a deep copy of the *whole table*
   taken when it began. That silently drops writes other requests committed meanwhile,
   and the deep copy itself fails with "dictionary changed size during iteration" (500)
   when another thread writes at the same moment.
3. Before it is undone, a cancelled transaction has already applied its other items, and
   the stream keeps those records: a relationship that still exists shows up as REMOVE.
   Putting back the copied table also swaps the stream shard object, so shard iterators
   handed out earlier never see another record, and sequence numbers are reused.

The fix keeps moto's own code for everything else: one lock serialises DynamoDB and
DynamoDB Streams requests (per-item atomicity and serialisable transactions, as in AWS),
and transactions check every condition before writing anything.

Cognito's forgot-password flow and global sign-out, where moto 5.2.5 checks nothing
(reproduced by ``tests/integration/test_cognito_emulator.py``):

4. ``ForgotPassword`` returns its code only in an ``x-moto-forgot-password-confirmation-code``
   response header (Cognito e-mails it and never returns it).
5. ``ConfirmForgotPassword`` accepts any code that does not start with moto's own prefix, and
   any new password, whatever the pool's password policy says.
6. Global sign-out (``AdminUserGlobalSignOut``, after a reset or when an account is deleted)
   revokes only the tokens whose sign-in named the user exactly as the sign-out does: Lumi
   signs in with the e-mail address and signs out by ``sub``, so nothing was revoked.

The fix: ``ForgotPassword`` makes a 6-digit code, keeps it on the user (so it is in the
snapshot with everything else), hands the e-mail to the stack's outbox
(:func:`deliver_mail_to`) and returns no code; ``ConfirmForgotPassword`` refuses, as
Cognito does, a new password the pool's policy refuses (``InvalidPasswordException``), an
unknown user as a wrong code when the app client prevents user-existence errors
(``CodeMismatchException``, else ``UserNotFoundException``), a wrong code
(``CodeMismatchException``), and a code that is older than an hour, already used or never
asked for (``ExpiredCodeException``); a new code replaces the last one. Sign-out matches the
user whichever of its names (username, ``sub``, e-mail) each sign-in used.

Cognito's sign-up confirmation, where moto 5.2.5 sends no code and checks none (reproduced by
``tests/integration/test_cognito_emulator.py``):

8. ``SignUp`` makes no code (Cognito e-mails one to a new, unconfirmed user), ``ConfirmSignUp``
   confirms whatever code it is given, and ``ResendConfirmationCode`` is not implemented.

The fix stands in for the user pool's e-mail and for a pre-sign-up trigger: each pool has a
rule (:func:`confirm_sign_ups`, set by the local stack) saying which new users are confirmed at
once (as a pre-sign-up Lambda answering ``autoConfirmUser`` would; ``UserConfirmed`` is then
true and no code is sent); every other one gets a 6-digit code, kept on the user (so it is in
the snapshot) and handed to the outbox. ``ConfirmSignUp`` then refuses, as Cognito does, a
wrong code (``CodeMismatchException``; after five, ``LimitExceededException`` until a new code),
one older than 24 hours or replaced (``ExpiredCodeException``), an unknown user as a wrong
code when the app client prevents user-existence errors (else ``UserNotFoundException``), and
a user already confirmed (``NotAuthorizedException``). ``ResendConfirmationCode`` sends a new
code (replacing the last), answers an unknown user with made-up delivery details when the
client prevents user-existence errors, and a confirmed one with ``InvalidParameterException``.

And one for speed, where moto 5.2.5 is the limit of every local run (profile in
``bench/jobs.py``'s notes: 90% of a Query's time):

7. Every ``Query`` walks *and sorts* every item of the table (``Table.all_items``), then
   filters by key and sorts what is left again, so a Query costs O(n log n) in the table's
   size (67 ms with 1,000 people's items, 268 ms with 4,000), where DynamoDB reads one
   partition. The fix: while a Query runs, ``all_items`` hands it only the partition's
   items (base table) or every item unsorted (an index, which moto sorts itself after
   filtering), so results and pagination are unchanged. Scans keep moto's sorted walk
   (their pagination relies on it).

Installed by :class:`backend.local.services.MotoService`; idempotent.
"""

from __future__ import annotations

import copy
import functools
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from backend.mail import (
    RESET_CODE_LIFETIME_SECONDS,
    SIGN_UP_CODE_LIFETIME_SECONDS,
    Mail,
    Mailer,
    reset_code_mail,
    sign_up_code_mail,
)

log = logging.getLogger("lumi.local.moto")

_LOCK = threading.RLock()
_installed = False

ORIGINAL_TRANSACT_WRITE_ITEMS: Any = None
ORIGINAL_FORGOT_PASSWORD: Any = None
ORIGINAL_CONFIRM_FORGOT_PASSWORD: Any = None
ORIGINAL_FORGOT_PASSWORD_RESPONSE: Any = None
ORIGINAL_SIGN_OUT: Any = None
ORIGINAL_TABLE_QUERY: Any = None
ORIGINAL_ALL_ITEMS: Any = None
ORIGINAL_SIGN_UP: Any = None
ORIGINAL_CONFIRM_SIGN_UP_RESPONSE: Any = None


def install() -> None:
    """Patch the in-process moto classes (the threaded moto server shares them)."""
    global _installed, ORIGINAL_TRANSACT_WRITE_ITEMS, ORIGINAL_FORGOT_PASSWORD, ORIGINAL_CONFIRM_FORGOT_PASSWORD
    global ORIGINAL_FORGOT_PASSWORD_RESPONSE, ORIGINAL_SIGN_OUT, ORIGINAL_TABLE_QUERY, ORIGINAL_ALL_ITEMS
    global ORIGINAL_SIGN_UP, ORIGINAL_CONFIRM_SIGN_UP_RESPONSE
    if _installed:
        return
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        handler.call_action = _serialised(handler.call_action)  # type: ignore[method-assign]
    ORIGINAL_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]

    ORIGINAL_FORGOT_PASSWORD = CognitoIdpBackend.forgot_password
    ORIGINAL_CONFIRM_FORGOT_PASSWORD = CognitoIdpBackend.confirm_forgot_password
    CognitoIdpBackend.forgot_password = _forgot_password  # type: ignore[method-assign]
    CognitoIdpBackend.confirm_forgot_password = _confirm_forgot_password  # type: ignore[method-assign]
    ORIGINAL_FORGOT_PASSWORD_RESPONSE = CognitoIdpResponse.forgot_password
    CognitoIdpResponse.forgot_password = _without_code_header(CognitoIdpResponse.forgot_password)  # type: ignore[method-assign]
    ORIGINAL_SIGN_OUT = CognitoIdpUserPool.sign_out
    CognitoIdpUserPool.sign_out = _sign_out  # type: ignore[method-assign]
    ORIGINAL_SIGN_UP = CognitoIdpBackend.sign_up
    CognitoIdpBackend.sign_up = _sign_up  # type: ignore[method-assign]
    ORIGINAL_CONFIRM_SIGN_UP_RESPONSE = CognitoIdpResponse.confirm_sign_up
    CognitoIdpResponse.confirm_sign_up = _confirm_sign_up_response  # type: ignore[method-assign]
    CognitoIdpResponse.resend_confirmation_code = _resend_confirmation_code_response  # type: ignore[attr-defined]
    ORIGINAL_TABLE_QUERY = Table.query
    ORIGINAL_ALL_ITEMS = Table.all_items
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    _installed = True


_QUERYING = threading.local()


def _query(
    table: Any,
    hash_key: Any,
    range_comparison: Any,
    range_objs: Any,
    limit: Any,
    exclusive_start_key: Any,
    scan_index_forward: Any,
    projection_expressions: Any,
    index_name: str | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """moto's Query, with :func:`_all_items` told which table and partition it is reading."""
    _QUERYING.scope = (table, None if index_name else hash_key)
    try:
        return ORIGINAL_TABLE_QUERY(
            table,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            *args,
            **kwargs,
        )
    finally:
        _QUERYING.scope = None


def _all_items(table: Any) -> list[Any]:
    """Inside a Query: the partition's items (base table) or all items unsorted (an index)."""
    scope = getattr(_QUERYING, "scope", None)
    if scope is None or scope[0] is not table:
        return ORIGINAL_ALL_ITEMS(table)
    hash_key = scope[1]
    if hash_key is not None:
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


def _serialised(call_action: Any) -> Any:
    @functools.wraps(call_action)
    def locked(self: Any) -> Any:
        with _LOCK:
            return call_action(self)

    return locked


def _transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """Check all conditions first, then write; nothing is written when anything fails."""
    from moto.dynamodb.comparisons import get_filter_expression as _condition
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()

    operations: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table = backend.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        operations.append((op_type, op, key))

    with _LOCK:
        reasons: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for _op_type, op, key in operations:
            current = backend.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None and not _condition(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current is not None:
                    old = current.to_json()["Attributes"]
                reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
            else:
                reasons.append((None, None, None))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)

        undo = _Undo(backend, operations)
        try:
            for op_type, op, key in operations:
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    backend.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    backend.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    backend.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
        except MockValidationException:
            undo.restore()
            raise
        except Exception as error:
            undo.restore()
            reasons = [(type(error).__name__, str(error), None) for _ in operations]
            raise TransactionCanceledException(reasons) from error


class _Undo:
    """What a transaction touched, so a write that fails half-way leaves no trace.

    Conditions are checked up front, so only a malformed update can fail while writing.
    """

    def __init__(self, backend: Any, operations: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        self._backend = backend
        self._items: list[tuple[Any, dict[str, Any], Any]] = []
        self._stream_lengths: dict[str, int] = {}
        for _, op, key in operations:
            table = backend.get_table(op["TableName"])
            self._items.append((table, key, copy.deepcopy(backend.get_item(op["TableName"], key))))
            if table.stream_shard is not None:
                self._stream_lengths.setdefault(table.name, len(table.stream_shard.items))

    def restore(self) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        for table, key, before in self._items:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            if range_value is not None:
                table.items[hash_value].pop(range_value, None)
                if before is not None:
                    table.items[hash_value][range_value] = before
            else:
                table.items.pop(hash_value, None)
                if before is not None:
                    table.items[hash_value] = before
        for table, _, _ in self._items:
            if table.name in self._stream_lengths and table.stream_shard is not None:
                del table.stream_shard.items[self._stream_lengths[table.name] :]


# ---------------------------------------------------------------- Cognito: forgot password

# Where each user pool's e-mail goes (the outbox of the stack that made the pool): moto keeps
# its data per process, and tests run several stacks, each with its own pool, in one.
_MAILERS: dict[str, Mailer] = {}
_COGNITO_LOCK = threading.Lock()
# The pending code, kept on moto's user object as a plain dict so snapshots carry it.
RESET_CODE_ATTRIBUTE = "lumi_reset_code"
CODE_HEADER = "x-moto-forgot-password-confirmation-code"


def clock() -> float:
    """Now, in epoch seconds (tests move it to see a code expire)."""
    return time.time()


def deliver_mail_to(user_pool_id: str, mailer: Mailer | None) -> None:
    """Send the e-mail of this pool's users to ``mailer`` (None: nowhere, only a log line)."""
    if mailer is None:
        _MAILERS.pop(user_pool_id, None)
    else:
        _MAILERS[user_pool_id] = mailer


def _deliver(pool_id: str, mail: Mail) -> None:
    """Hand ``mail`` to the pool's outbox; Cognito answers whether or not its e-mail arrives."""
    mailer = _MAILERS.get(pool_id)
    if mailer is None:
        log.info("no outbox for user pool %s; a %s for %s goes nowhere", pool_id, mail.kind, mail.to)
        return
    try:
        mailer.send(mail)
    except Exception:
        log.exception("the outbox could not take a %s", mail.kind)


def new_reset_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def reset_code_problem(pending: dict[str, Any] | None, given: str, now: float) -> str | None:
    """Why Cognito would refuse ``given`` for a user whose pending code is ``pending``, or None.

    Never asked for, already used or older than its lifetime: ``ExpiredCodeException``;
    another code: ``CodeMismatchException`` (compared in constant time)."""
    if not pending or now - float(pending["issued_at"]) >= RESET_CODE_LIFETIME_SECONDS:
        return "ExpiredCodeException"
    if not hmac.compare_digest(str(pending["code"]).encode(), given.strip().encode()):
        return "CodeMismatchException"
    return None


def _pool_and_user(backend: Any, client_id: str, username: str) -> tuple[Any, Any]:
    from moto.cognitoidp.exceptions import ResourceNotFoundError

    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool, pool._get_user(username)
    raise ResourceNotFoundError(client_id)


def _forgot_password(backend: Any, client_id: str, username: str) -> tuple[str | None, dict[str, Any]]:
    """moto's answer (delivery details, simulated for an unknown user), with the code e-mailed, not returned."""
    _, details = ORIGINAL_FORGOT_PASSWORD(backend, client_id, username)
    pool, user = _pool_and_user(backend, client_id, username)
    if user is None:
        return None, details
    user.confirmation_code = None  # moto's own code: never valid here
    code = new_reset_code()
    with _COGNITO_LOCK:
        setattr(user, RESET_CODE_ATTRIBUTE, {"code": code, "issued_at": clock()})
    address = user.attribute_lookup.get("email") or username
    _deliver(pool.id, reset_code_mail(address, code))
    return None, details


def _confirm_forgot_password(backend: Any, client_id: str, username: str, password: str, code: str) -> None:
    from moto.cognitoidp.exceptions import CodeMismatchException, ExpiredCodeException, UserNotFoundError
    from moto.cognitoidp.models import UserStatus

    pool, user = _pool_and_user(backend, client_id, username)
    backend._validate_password(pool.id, password)  # InvalidPasswordException
    if user is None:
        if pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") == "ENABLED":
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        raise UserNotFoundError("Username/client id combination not found.")
    with _COGNITO_LOCK:
        problem = reset_code_problem(getattr(user, RESET_CODE_ATTRIBUTE, None), code, clock())
        if problem == "CodeMismatchException":
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        if problem is not None:
            setattr(user, RESET_CODE_ATTRIBUTE, None)
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        setattr(user, RESET_CODE_ATTRIBUTE, None)  # a code works once
        user.password = password
        user.confirmation_code = None
        if user.status == UserStatus.RESET_REQUIRED:
            user.status = UserStatus.CONFIRMED


def _without_code_header(forgot_password: Any) -> Any:
    """Cognito's answer carries no code: drop the header moto adds (empty since the fix)."""

    @functools.wraps(forgot_password)
    def answer(self: Any) -> Any:
        result = forgot_password(self)
        self.response_headers.pop(CODE_HEADER, None)
        return result

    return answer


# ---------------------------------------------------------------- Cognito: sign-up confirmation

# Which new users each pool confirms at once, by address (the stand-in for a pre-sign-up
# trigger); a pool without a rule confirms nobody at once, as Cognito without a trigger.
SignUpRule = Callable[[str], bool]
_SIGN_UP_RULES: dict[str, SignUpRule] = {}
SIGN_UP_CODE_ATTRIBUTE = "lumi_sign_up_code"
SIGN_UP_CODE_TRIES = 5  # wrong codes before Cognito's LimitExceededException (until a new code)


def confirm_sign_ups(user_pool_id: str, rule: SignUpRule | None) -> None:
    """Set which new users of this pool are confirmed at once (None: nobody, a code for each)."""
    if rule is None:
        _SIGN_UP_RULES.pop(user_pool_id, None)
    else:
        _SIGN_UP_RULES[user_pool_id] = rule


def sign_up_code_problem(pending: dict[str, Any] | None, given: str, now: float) -> str | None:
    """Why Cognito would refuse ``given`` as the sign-up code ``pending``, or None.

    None pending or older than its lifetime: ``ExpiredCodeException``; too many wrong ones
    already: ``LimitExceededException``; another code: ``CodeMismatchException``."""
    if not pending or now - float(pending["issued_at"]) >= SIGN_UP_CODE_LIFETIME_SECONDS:
        return "ExpiredCodeException"
    if int(pending.get("failures", 0)) >= SIGN_UP_CODE_TRIES:
        return "LimitExceededException"
    if not hmac.compare_digest(str(pending["code"]).encode(), given.strip().encode()):
        return "CodeMismatchException"
    return None


def _masked(address: str) -> str:
    """How Cognito shows where a code went: ``a***@e***``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _send_sign_up_code(pool: Any, user: Any) -> dict[str, str]:
    """A new code for ``user`` (replacing the last), e-mailed; returns the delivery details."""
    code = new_reset_code()
    with _COGNITO_LOCK:
        setattr(user, SIGN_UP_CODE_ATTRIBUTE, {"code": code, "issued_at": clock(), "failures": 0})
    address = str(user.attribute_lookup.get("email") or user.username)
    _deliver(pool.id, sign_up_code_mail(address, code))
    return {"Destination": _masked(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _sign_up(
    backend: Any, client_id: str, username: str, password: str, attributes: list[dict[str, str]]
) -> tuple[Any, Any]:
    """moto's SignUp, then what the pool's rule says: confirmed at once, or a code e-mailed."""
    from moto.cognitoidp.models import UserStatus

    user, _ = ORIGINAL_SIGN_UP(backend, client_id, username, password, attributes)
    pool = backend.user_pools[user.user_pool_id]
    rule = _SIGN_UP_RULES.get(pool.id)
    if rule is not None and rule(str(user.attribute_lookup.get("email") or username)):
        user.status = UserStatus.CONFIRMED
        return user, None
    return user, _send_sign_up_code(pool, user)


def _prevents_existence_errors(pool: Any, client_id: str) -> bool:
    return bool(pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") == "ENABLED")


def _confirm_sign_up(backend: Any, client_id: str, username: str, code: str) -> None:
    from moto.cognitoidp.exceptions import (
        CodeMismatchException,
        ExpiredCodeException,
        NotAuthorizedError,
        UserNotFoundError,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.exceptions import JsonRESTError

    pool, user = _pool_and_user(backend, client_id, username)
    if user is None:
        if _prevents_existence_errors(pool, client_id):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        raise UserNotFoundError("Username/client id combination not found.")
    if user.status != UserStatus.UNCONFIRMED:
        raise NotAuthorizedError(f"User cannot be confirmed. Current status is {user.status.value}")
    with _COGNITO_LOCK:
        pending = getattr(user, SIGN_UP_CODE_ATTRIBUTE, None)
        problem = sign_up_code_problem(pending, code, clock())
        if problem == "CodeMismatchException":
            assert pending is not None
            pending["failures"] = int(pending.get("failures", 0)) + 1
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        if problem == "LimitExceededException":
            raise JsonRESTError("LimitExceededException", "Attempt limit exceeded, please try after some time.")
        if problem is not None:
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        setattr(user, SIGN_UP_CODE_ATTRIBUTE, None)
        user.status = UserStatus.CONFIRMED


def _confirm_sign_up_response(self: Any) -> Any:
    """ConfirmSignUp with its code checked (moto's handler drops the code)."""
    from moto.core.responses import EmptyResult

    client_id = self._get_param("ClientId")
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    _confirm_sign_up(backend, client_id, self._get_param("Username"), self._get_param("ConfirmationCode") or "")
    return EmptyResult()


def _resend_confirmation_code_response(self: Any) -> Any:
    """ResendConfirmationCode, which moto lacks."""
    from moto.cognitoidp.exceptions import InvalidParameterException, UserNotFoundError
    from moto.cognitoidp.models import UserStatus
    from moto.core.responses import ActionResult

    client_id = self._get_param("ClientId")
    username = self._get_param("Username")
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    pool, user = _pool_and_user(backend, client_id, username)
    if user is None:
        if not _prevents_existence_errors(pool, client_id):
            raise UserNotFoundError("Username/client id combination not found.")
        details = {"Destination": _masked(username), "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    elif user.status != UserStatus.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    else:
        details = _send_sign_up_code(pool, user)
    return ActionResult({"CodeDeliveryDetails": details})


def names_of(pool: Any, user: Any) -> set[str]:
    """Every name a request may give this user by: its username (the ``sub`` in a pool that
    signs in by e-mail) and the values of the pool's username attributes (the e-mail)."""
    names = {user.username}
    lookup = user.attribute_lookup
    names.update(
        str(lookup[attribute])
        for attribute in pool.extended_config.get("UsernameAttributes") or []
        if attribute in lookup
    )
    return names


def _sign_out(pool: Any, username: str) -> None:
    """Revoke every refresh and access token of the user, whichever name its sign-in used."""
    user = pool._get_user(username)
    if user is None:
        ORIGINAL_SIGN_OUT(pool, username)
        return
    names = names_of(pool, user)
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is not None and entry[1] in names:
            pool.refresh_tokens[token] = None
    for token, (_, signed_in_as) in list(pool.access_tokens.items()):
        if signed_in_as in names:
            pool.access_tokens.pop(token)
