"""The IoT Core custom authorizer Lambda with real Cognito tokens (moto), DynamoDB and Redis."""

from __future__ import annotations

import time

import pytest

from backend.local.lambda_context import ACCOUNT_ID, LocalLambdaContext
from backend.realtime import authorizer
from tests.integration.conftest import STAGE, Api, MakeCouple, Register
from tests.integration.test_api_auth import claims_of, sign_like_cognito
from tests.unit.test_authorizer import iot_event


def context(region: str = "eu-west-1") -> LocalLambdaContext:
    return LocalLambdaContext("lumi-test-realtime-authorizer", region=region)


def test_a_person_gets_a_policy_of_exactly_their_topics(couple: MakeCouple) -> None:
    # given a paired person and their access token
    ana, _, rel = couple()
    stage = STAGE

    # when IoT Core asks (password base64-encoded, authorizer named in the username)
    answer = authorizer.handler(
        iot_event(f"{ana.username}?x-amz-customauthorizer-name=lumi", ana.access_token), context()
    )

    # then
    arn = f"arn:aws:iot:eu-west-1:{ACCOUNT_ID}"
    expires_in = claims_of(ana.access_token)["exp"] - time.time()
    assert answer["isAuthenticated"] is True
    assert answer["principalId"] == "user" + ana.user_id.replace("-", "")
    assert abs(answer["disconnectAfterInSeconds"] - expires_in) <= 2
    assert answer["refreshAfterInSeconds"] == 300
    (policy,) = answer["policyDocuments"]
    own = [f"lumi/{stage}/u/{ana.user_id}/*", f"lumi/{stage}/r/{rel}/*"]
    assert policy["Statement"] == [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{ana.user_id}-*"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": [f"{arn}:topicfilter/{t}" for t in own]},
        {"Effect": "Allow", "Action": "iot:Publish", "Resource": [f"{arn}:topic/{t}" for t in own]},
        {"Effect": "Allow", "Action": "iot:Receive", "Resource": [f"{arn}:topic/{t}" for t in own]},
    ]
    assert len(str(policy)) < 2048  # IoT Core's limit per policy document


def test_a_signed_out_session_is_refused(api: Api, register: Register) -> None:
    ana = register("ana")
    assert api.post("/auth/logout", {}, token=ana.access_token)[0] == 204
    assert authorizer.handler(iot_event(ana.username, ana.access_token), context())["isAuthenticated"] is False


@pytest.mark.parametrize(
    ("seconds_left", "accepted"),
    [(-600, False), (-1, False), (120, False), (400, True)],
    ids=["expired", "just-expired", "under-iot-minimum", "enough-left"],
)
def test_token_lifetime(register: Register, seconds_left: int, accepted: bool) -> None:
    ana = register("ana")
    token = sign_like_cognito({**claims_of(ana.access_token), "exp": int(time.time()) + seconds_left})
    answer = authorizer.handler(iot_event(ana.username, token), context())
    assert answer["isAuthenticated"] is accepted
    if accepted:
        assert 300 <= answer["disconnectAfterInSeconds"] <= seconds_left


def test_garbage_and_forged_tokens_are_refused(register: Register) -> None:
    ana = register("ana")
    for password in ("", "garbage", ana.access_token[:-4] + "AAAA", ana.refresh_token):
        assert authorizer.handler(iot_event(ana.username, password), context())["isAuthenticated"] is False


def test_a_deleted_account_is_refused(api: Api, register: Register) -> None:
    ana = register("ana")
    status, _ = api.post("/auth/delete-account", {"password": ana.password}, token=ana.access_token)
    assert status == 204
    assert authorizer.authenticate(ana.username, ana.access_token) is None
