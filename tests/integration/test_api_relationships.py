"""Pairing with a partner, the couple as tenant, and the cascade when a couple ends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from backend.api.auth import verify_access_token
from backend.aws import client
from backend.domain import pairing
from backend.domain.errors import DomainError
from backend.media import paths
from backend.settings import get_settings
from backend.store import keys, records, table, users
from backend.store.table import to_dynamo
from backend.streams.handler import handler as stream_handler
from tests.builders import stream_event, stream_record
from tests.integration.conftest import Api, MakeCouple, Person, Register
from tests.integration.test_api_auth import assert_error
from tests.integration.test_api_users import object_exists


def send(api: Api, sender: Person, to: str) -> tuple[int, Any]:
    return api.post("/relationships/requests", {"to": to}, token=sender.access_token)


def lists(api: Api, person: Person) -> tuple[list[str], list[str]]:
    status, body = api.get("/relationships/requests", token=person.access_token)
    assert status == 200, body
    return [r["request_id"] for r in body["sent"]], [r["request_id"] for r in body["received"]]


def current(api: Api, person: Person) -> dict[str, Any] | None:
    status, body = api.get("/relationships/current", token=person.access_token)
    assert status == 200, body
    return body["relationship"]


# ---------------------------------------------------------------- the pairing flow


def test_full_pairing_flow(api: Api, register: Register) -> None:
    ana, ben = register("ana"), register("ben")

    # a request by username shows up on both sides
    status, request = send(api, ana, ben.username)
    assert status == 201, request
    assert request["from_user"]["user_id"] == ana.user_id and request["to_user"]["user_id"] == ben.user_id
    assert request["from_user"]["username"] == ana.username and "email" not in request["from_user"]
    assert lists(api, ana) == ([request["request_id"]], [])
    assert lists(api, ben) == ([], [request["request_id"]])

    # declined: gone for both
    assert api.post(f"/relationships/requests/{request['request_id']}/decline", token=ben.access_token)[0] == 204
    assert lists(api, ana) == ([], []) and lists(api, ben) == ([], [])

    # a request by e-mail, cancelled by its sender
    status, request = send(api, ana, ben.email.upper())
    assert status == 201, request
    assert api.delete(f"/relationships/requests/{request['request_id']}", token=ana.access_token)[0] == 204
    assert lists(api, ben) == ([], [])

    # asked again and accepted: both are paired with each other
    status, request = send(api, ana, ben.username)
    assert status == 201
    status, relationship = api.post(f"/relationships/requests/{request['request_id']}/accept", token=ben.access_token)
    assert status == 200, relationship
    assert relationship["partner"]["user_id"] == ana.user_id
    assert relationship["anniversary"] is None
    assert current(api, ben)["relationship_id"] == relationship["relationship_id"]
    assert current(api, ana)["partner"]["user_id"] == ben.user_id
    assert api.get("/users/me", token=ana.access_token)[1]["relationship_id"] == relationship["relationship_id"]
    assert lists(api, ana) == ([], []) and lists(api, ben) == ([], [])
    status, by_id = api.get(f"/relationships/{relationship['relationship_id']}", token=ana.access_token)
    assert status == 200 and by_id["partner"]["user_id"] == ben.user_id


def test_partner_request_errors(api: Api, register: Register, couple: MakeCouple) -> None:
    ana, ben = register("ana"), register("ben")
    paired, _, _ = couple()
    assert_error(send(api, ana, "nobody_here_at_all"), 404, "unknown_user")
    assert_error(send(api, ana, "nobody@nowhere.example"), 404, "unknown_user")
    assert_error(send(api, ana, ana.username), 400, "cannot_pair_with_self")
    assert send(api, ana, ben.username)[0] == 201
    assert_error(send(api, ana, ben.email), 409, "request_exists")
    assert_error(send(api, ben, ana.username), 409, "incoming_request_exists")
    assert_error(send(api, ana, paired.username), 409, "partner_already_paired")
    assert_error(send(api, paired, ana.username), 409, "already_paired")


def test_only_the_right_person_can_act_on_a_request(api: Api, register: Register) -> None:
    ana, ben, eve = register("ana"), register("ben"), register("eve")
    status, request = send(api, ana, ben.username)
    assert status == 201
    rid = request["request_id"]
    assert_error(api.post(f"/relationships/requests/{rid}/accept", token=eve.access_token), 404, "not_found")
    assert_error(api.post(f"/relationships/requests/{rid}/accept", token=ana.access_token), 404, "not_found")
    assert_error(api.post(f"/relationships/requests/{rid}/decline", token=eve.access_token), 404, "not_found")
    assert_error(api.delete(f"/relationships/requests/{rid}", token=ben.access_token), 404, "not_found")
    assert_error(api.delete(f"/relationships/requests/{rid}", token=eve.access_token), 404, "not_found")
    assert_error(api.post("/relationships/requests/nope/accept", token=ben.access_token), 404, "not_found")
    assert lists(api, ben) == ([], [rid])  # still pending


def test_accepting_when_already_paired_is_a_conflict(api: Api, register: Register) -> None:
    ana, ben, cleo = register("ana"), register("ben"), register("cleo")
    _, from_ben = send(api, ben, ana.username)
    _, from_cleo = send(api, cleo, ana.username)
    assert api.post(f"/relationships/requests/{from_ben['request_id']}/accept", token=ana.access_token)[0] == 200
    assert_error(
        api.post(f"/relationships/requests/{from_cleo['request_id']}/accept", token=ana.access_token),
        409,
        "already_paired",
    )
    assert current(api, cleo) is None


def test_pairing_clears_the_partners_other_pending_requests(api: Api, register: Register, stream: Any) -> None:
    ana, ben, cleo, dan = register("ana"), register("ben"), register("cleo"), register("dan")
    _, from_ben = send(api, ben, ana.username)
    send(api, cleo, ana.username)
    send(api, ben, dan.username)
    assert api.post(f"/relationships/requests/{from_ben['request_id']}/accept", token=ana.access_token)[0] == 200
    stream.drain()
    assert lists(api, ana) == ([], []) and lists(api, ben) == ([], [])
    assert lists(api, cleo) == ([], []) and lists(api, dan) == ([], [])


def paired_notices(api: Api, person: Person) -> list[dict[str, Any]]:
    status, page = api.get("/notifications", token=person.access_token)
    assert status == 200, page
    return [n for n in page["items"] if n["kind"] == "paired"]


def test_both_partners_are_told_they_became_a_pair_once(api: Api, register: Register, stream: Any) -> None:
    # given Ana accepts Ben's request
    ana, ben = register("ana", "Ana"), register("ben", "Ben")
    _, request = send(api, ben, ana.username)
    status, relationship = api.post(f"/relationships/requests/{request['request_id']}/accept", token=ana.access_token)
    assert status == 200, relationship

    # when the stream has run (and the pairing record is delivered again, as streams may)
    stream.drain()
    item = table.get(keys.relationship(relationship["relationship_id"]))
    assert item is not None
    record = stream_record("INSERT", keys.relationship(relationship["relationship_id"]), new=item)
    assert stream_handler(stream_event(record), None) == {"batchItemFailures": []}

    # then each heard it once, naming the other, with a link to their pair
    (for_ana,) = paired_notices(api, ana)
    (for_ben,) = paired_notices(api, ben)
    assert for_ana["title"] == "You and Ben are a pair" and for_ana["link"] == "/pairing"
    assert for_ben["title"] == "You and Ana are a pair"


def _race(*calls: Callable[[], Any]) -> list[str]:
    """Run the calls at the same moment on threads; 'ok' or the domain error code of each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            call()
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


def test_concurrent_accepts_by_one_person_leave_exactly_one_relationship(api: Api, register: Register) -> None:
    """The accept use case on two threads at once (Powertools serves one request per process)."""
    # given Ana holds requests from Ben and Cleo
    ana, ben, cleo = register("ana"), register("ben"), register("cleo")
    _, from_ben = send(api, ben, ana.username)
    _, from_cleo = send(api, cleo, ana.username)
    caller = verify_access_token(ana.access_token)
    # when she accepts both at the same moment
    outcomes = _race(
        lambda: pairing.accept(caller, from_ben["request_id"]),
        lambda: pairing.accept(caller, from_cleo["request_id"]),
    )
    # then exactly one relationship exists, and it is hers
    assert outcomes == ["already_paired", "ok"]
    mine = current(api, ana)
    assert mine is not None
    partners = [p for p in (ben, cleo) if current(api, p) is not None]
    assert [p.user_id for p in partners] == [mine["partner"]["user_id"]]
    assert table.get(keys.relationship(mine["relationship_id"])) is not None


def test_two_people_accepting_one_persons_requests_at_once(api: Api, register: Register) -> None:
    ana, ben, cleo = register("ana"), register("ben"), register("cleo")
    _, to_ben = send(api, ana, ben.username)
    _, to_cleo = send(api, ana, cleo.username)
    outcomes = _race(
        lambda: pairing.accept(verify_access_token(ben.access_token), to_ben["request_id"]),
        lambda: pairing.accept(verify_access_token(cleo.access_token), to_cleo["request_id"]),
    )
    assert outcomes == ["ok", "partner_already_paired"]
    assert sum(current(api, p) is not None for p in (ben, cleo)) == 1
    assert current(api, ana) is not None


def test_simultaneous_requests_in_both_directions_leave_one(register: Register) -> None:
    ana, ben = register("ana"), register("ben")
    outcomes = _race(
        lambda: pairing.send_request(verify_access_token(ana.access_token), ben.username),
        lambda: pairing.send_request(verify_access_token(ben.access_token), ana.username),
    )
    assert outcomes == ["incoming_request_exists", "ok"]


# ---------------------------------------------------------------- the couple as tenant


def test_another_couples_relationship_is_not_found(api: Api, couple: MakeCouple, register: Register) -> None:
    ana, _, ours = couple()
    cleo, dan, theirs = couple()
    loner = register("solo")
    for intruder in (ana, loner):
        assert_error(api.get(f"/relationships/{theirs}", token=intruder.access_token), 404, "not_found")
        assert_error(
            api.put(f"/relationships/{theirs}/anniversary", {"anniversary": "2020-01-01"}, token=intruder.access_token),
            404,
            "not_found",
        )
        assert_error(api.delete(f"/relationships/{theirs}", token=intruder.access_token), 404, "not_found")
    # the answer is the same as for an id that does not exist at all
    assert api.get("/relationships/0123456789abcdef", token=ana.access_token) == api.get(
        f"/relationships/{theirs}", token=ana.access_token
    )
    # and their relationship is untouched
    status, seen = api.get(f"/relationships/{theirs}", token=dan.access_token)
    assert status == 200 and seen["anniversary"] is None and seen["partner"]["user_id"] == cleo.user_id
    assert api.get(f"/relationships/{ours}", token=ana.access_token)[0] == 200


def test_anniversary_is_set_by_one_and_read_by_the_other(api: Api, couple: MakeCouple) -> None:
    ana, ben, rid = couple()
    status, body = api.put(f"/relationships/{rid}/anniversary", {"anniversary": "2019-02-14"}, token=ana.access_token)
    assert status == 200 and body["anniversary"] == "2019-02-14"
    assert current(api, ben)["anniversary"] == "2019-02-14"
    assert api.get(f"/relationships/{rid}", token=ben.access_token)[1]["anniversary"] == "2019-02-14"
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    error = assert_error(
        api.put(f"/relationships/{rid}/anniversary", {"anniversary": tomorrow}, token=ben.access_token),
        422,
        "validation_error",
    )
    assert "future" in error["fields"]["anniversary"]
    status, body = api.put(f"/relationships/{rid}/anniversary", {"anniversary": None}, token=ben.access_token)
    assert status == 200 and body["anniversary"] is None
    assert current(api, ana)["anniversary"] is None


# ---------------------------------------------------------------- leaving, and the cascade


def put_couple_item(relationship_id: str, pk: str, sk: str) -> dict[str, str]:
    """A stand-in for couple-owned data (moments, dates…): any item carrying the tenant key."""
    key = {"pk": pk, "sk": sk}
    table.put({**key, "type": "Note", **keys.tenant_key(relationship_id, "NOTE", sk), "text": "ours"})
    return key


def put_object(key: str) -> str:
    client("s3").put_object(Bucket=get_settings().media_bucket, Key=key, Body=b"bytes")
    return key


def test_leaving_unpairs_both_and_the_stream_removes_the_couples_data(
    api: Api, couple: MakeCouple, stream: Any
) -> None:
    # given a couple with shared data in the table and in storage, and another couple's too
    ana, ben, rid = couple()
    _, _, other = couple()
    stream.drain()
    ours = [put_couple_item(rid, keys.tenant(rid), "NOTE#1"), put_couple_item(rid, "MOMENT#m1", "MOMENT")]
    theirs = put_couple_item(other, keys.tenant(other), "NOTE#1")
    files = [put_object(f"{paths.couple_prefix(rid)}moments/m1.mp4"), put_object(f"{paths.couple_prefix(rid)}t.jpg")]
    their_file = put_object(f"{paths.couple_prefix(other)}moments/m1.mp4")

    # when Ana leaves
    status, body = api.delete(f"/relationships/{rid}", token=ana.access_token)

    # then both are unpaired at once
    assert status == 204 and body is None
    assert current(api, ana) is None and current(api, ben) is None
    assert api.get("/users/me", token=ben.access_token)[1]["relationship_id"] is None
    assert_error(api.get(f"/relationships/{rid}", token=ben.access_token), 404, "not_found")
    assert table.get(keys.relationship(rid)) is None

    # and once the stream has run, the couple's data is gone and nobody else's
    assert stream.drain() >= 1
    assert all(table.get(key) is None for key in ours)
    assert not any(object_exists(key) for key in files)
    assert table.get(theirs) is not None and object_exists(their_file)

    # running the handler again on the same change finds nothing left to do
    old = {**records.relationship_item(_relationship(rid, ana, ben))}
    event = stream_event(stream_record("REMOVE", keys.relationship(rid), old=old, sequence_number="42"))
    assert stream_handler(event, None) == {"batchItemFailures": []}
    assert stream_handler(event, None) == {"batchItemFailures": []}
    assert table.get(theirs) is not None and object_exists(their_file)

    # and they can pair again, with anyone
    status, request = send(api, ben, ana.username)
    assert status == 201, request


def _relationship(rid: str, first: Person, second: Person) -> Any:
    from backend.domain.models import Relationship

    return Relationship(rid, (first.user_id, second.user_id), records.now())


def test_leaving_someone_elses_relationship_changes_nothing(api: Api, couple: MakeCouple) -> None:
    ana, _, _ = couple()
    cleo, dan, theirs = couple()
    assert_error(api.delete(f"/relationships/{theirs}", token=ana.access_token), 404, "not_found")
    assert current(api, cleo)["relationship_id"] == theirs and current(api, dan)["relationship_id"] == theirs


# ---------------------------------------------------------------- deleting an account


def test_delete_account_cascades(api: Api, register: Register, couple: MakeCouple, stream: Any) -> None:
    # given Xena with a pending request each way, and a paired Ana with shared data
    xena, yann, zoe = register("xena"), register("yann"), register("zoe")
    assert send(api, xena, yann.username)[0] == 201
    assert send(api, zoe, xena.username)[0] == 201
    ana, ben, rid = couple()
    note = put_couple_item(rid, keys.tenant(rid), "NOTE#1")
    shared = put_object(f"{paths.couple_prefix(rid)}x.jpg")
    avatar = put_object(f"{paths.avatar_prefix(ana.user_id)}old")

    # when both delete their accounts
    for person in (xena, ana):
        status, _ = api.post("/auth/delete-account", {"password": person.password}, token=person.access_token)
        assert status == 204

    # then they cannot sign in, their tokens are dead, and Cognito no longer has them
    for person in (xena, ana):
        assert_error(
            api.post("/auth/login", {"login": person.username, "password": person.password}),
            401,
            "invalid_credentials",
        )
        assert_error(api.get("/users/me", token=person.access_token), 401, "unauthorized")
        users = client("cognito-idp").list_users(
            UserPoolId=get_settings().user_pool_id, Filter=f'email = "{person.email}"'
        )
        assert users["Users"] == []

    # and after the stream: claims free, requests gone, partner unpaired, couple data gone
    stream.drain()
    for person in (xena, ana):
        assert table.get(keys.username_claim(person.username)) is None
        assert table.get(keys.email_claim(person.email)) is None
    assert lists(api, yann) == ([], []) and lists(api, zoe) == ([], [])
    assert current(api, ben) is None
    assert table.get(keys.relationship(rid)) is None and table.get(note) is None
    assert not object_exists(shared) and not object_exists(avatar)
    # the freed username can be taken again
    status, _ = api.post(
        "/auth/register",
        {"email": f"new.{xena.email}", "password": xena.password, "username": xena.username, "display_name": "New"},
    )
    assert status == 201


def test_dynamodb_json_of_a_stored_item_round_trips() -> None:
    item = {"pk": "A", "sk": "B", "n": 3, "list": ["x", "y"], "none": None}
    assert table.from_dynamo(to_dynamo(item)) == {k: v for k, v in item.items() if v is not None}


def test_the_stream_finishes_an_account_deletion_that_stopped_half_way(
    api: Api, register: Register, stream: Any
) -> None:
    """If deleting the Cognito user failed after the profile went, the profile's REMOVE finishes the job."""
    person = register("half")
    assert users.delete(person.user_id)  # as if the Cognito call had then failed
    stream.drain()
    found = client("cognito-idp").list_users(UserPoolId=get_settings().user_pool_id, Filter=f'email = "{person.email}"')
    assert found["Users"] == []
    assert table.get(keys.username_claim(person.username)) is None
    status, _ = api.post(
        "/auth/register",
        {"email": person.email, "password": person.password, "username": person.username, "display_name": "Again"},
    )
    assert status == 201


def test_a_late_pairing_record_does_not_clear_requests_made_after_a_break_up(
    api: Api, couple: MakeCouple, register: Register, stream: Any
) -> None:
    # given a couple that paired and split up before the stream caught up
    stream.drain()
    ana, _, rid = couple()
    assert api.delete(f"/relationships/{rid}", token=ana.access_token)[0] == 204
    cleo = register("cleo")
    status, request = send(api, cleo, ana.username)
    assert status == 201
    # when the stream delivers the pairing, the break-up and the new request
    stream.drain()
    # then the new request is still there
    assert lists(api, ana) == ([], [request["request_id"]])
