"""Small builders for the events Lambda hands our handlers, so tests never copy JSON blobs."""

from __future__ import annotations

import json as jsonlib
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from boto3.dynamodb.types import TypeSerializer

DEFAULT_SOURCE_IP = "203.0.113.10"
_serializer = TypeSerializer()


def function_url_event(
    method: str,
    path: str,
    json: Any = None,
    token: str | None = None,
    query: dict[str, str] | None = None,
    source_ip: str = DEFAULT_SOURCE_IP,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    iam: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Lambda function-URL event (payload format 2.0). ``body`` sends raw text instead of ``json``.

    ``iam``: the caller an IAM-auth function URL authenticated (:func:`iam_caller`)."""
    all_headers = {"host": "lumi.lambda-url.us-east-1.on.aws", "user-agent": "lumi-tests"}
    if json is not None or body is not None:
        all_headers["content-type"] = "application/json"
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "lumi",
            "domainName": all_headers["host"],
            "domainPrefix": "lumi",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": all_headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if iam is not None:
        event["requestContext"]["authorizer"] = {"iam": iam}
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = body
    elif json is not None:
        event["body"] = jsonlib.dumps(json)
    return event


def iam_caller(user_arn: str, account_id: str = "123456789012", caller_id: str = "AROAEXAMPLEID:session") -> dict:
    """``requestContext.authorizer.iam`` of a function URL with AWS_IAM auth, as Lambda fills it in."""
    return {
        "accessKey": "ASIAEXAMPLEKEY",
        "accountId": account_id,
        "callerId": caller_id,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": user_arn,
        "userId": caller_id,
    }


def stream_record(
    event_name: str,
    keys: dict[str, Any],
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    sequence_number: str = "100",
    stream_arn: str = "arn:aws:dynamodb:us-east-1:000000000000:table/lumi-local/stream/2024-01-01T00:00:00.000",
) -> dict[str, Any]:
    """One DynamoDB stream record as Lambda delivers it (images in DynamoDB JSON)."""
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": int(time.time()),
        "Keys": {name: _serializer.serialize(value) for name, value in keys.items()},
        "SequenceNumber": sequence_number,
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        change["OldImage"] = {n: _serializer.serialize(v) for n, v in old.items() if v is not None}
    if new is not None:
        change["NewImage"] = {n: _serializer.serialize(v) for n, v in new.items() if v is not None}
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


def stream_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
