"""The OpenSearch adapter, faked at the HTTP boundary: the requests it signs and the bodies it builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from backend.domain.errors import Unavailable
from backend.search.index import MomentDocument
from backend.search.opensearch import OpenSearchError, OpenSearchIndex

ENDPOINT = "search-lumi-test-abc123.us-east-1.es.amazonaws.com"
CREDENTIALS = Credentials("AKIDEXAMPLE", "secret-example", "session-token-example")
REL = "rel-x"

Reply = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeDomain:
    """Records every request; answers with ``reply`` (201/200 by default)."""

    reply: Reply | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.reply is not None:
            return self.reply(request)
        return httpx.Response(200, json={"acknowledged": True, "hits": {"hits": []}})

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def make_index(domain: FakeDomain, endpoint: str = ENDPOINT) -> OpenSearchIndex:
    return OpenSearchIndex(
        endpoint, "lumi-moments", "us-east-1", credentials=CREDENTIALS, transport=httpx.MockTransport(domain)
    )


def document(moment_id: str = "m1") -> MomentDocument:
    return MomentDocument(
        moment_id=moment_id,
        relationship_id=REL,
        owner_id="ana",
        title="Beach day",
        description="Sand everywhere",
        tags=("Summer", "Road trip"),
        created_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
    )


def expected_signature(request: httpx.Request) -> str:
    """What SigV4 for "es" gives for this exact method, URL, body and date."""
    aws_request = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={
            "host": request.headers["host"],
            "content-type": request.headers["content-type"],
            "X-Amz-Date": request.headers["x-amz-date"],
            "X-Amz-Security-Token": request.headers["x-amz-security-token"],
        },
    )
    aws_request.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(CREDENTIALS, "es", "us-east-1")
    return signer.signature(signer.string_to_sign(aws_request, signer.canonical_request(aws_request)), aws_request)


def test_every_request_is_signed_for_the_es_service_over_its_body_and_query() -> None:
    # given
    domain = FakeDomain()
    # when
    make_index(domain).upsert(document())
    # then
    assert domain.requests
    for request in domain.requests:
        authorization = request.headers["authorization"]
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        assert "/us-east-1/es/aws4_request" in authorization
        assert "host" in authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
        assert request.headers["x-amz-security-token"] == "session-token-example"
        assert authorization.endswith(f"Signature={expected_signature(request)}")
        assert request.url.scheme == "https" and request.url.host == ENDPOINT


def test_the_first_write_creates_the_index_with_keyword_ids_and_folded_text() -> None:
    # given
    domain = FakeDomain()
    index = make_index(domain)
    # when
    index.upsert(document("m1"))
    index.upsert(document("m2"))
    # then the index is created once, before the first document
    create, first, second = domain.requests
    assert (create.method, create.url.path) == ("PUT", "/lumi-moments")
    mapping = json.loads(create.content)["mappings"]
    assert mapping["properties"]["relationship_id"] == {"type": "keyword"}
    assert mapping["properties"]["moment_id"] == {"type": "keyword"}
    assert mapping["properties"]["title"]["analyzer"] == "folded"
    analyzer = json.loads(create.content)["settings"]["analysis"]["analyzer"]["folded"]
    assert "asciifolding" in analyzer["filter"] and "lowercase" in analyzer["filter"]
    assert [(r.method, r.url.path) for r in (first, second)] == [
        ("PUT", "/lumi-moments/_doc/m1"),
        ("PUT", "/lumi-moments/_doc/m2"),
    ]


def test_an_index_made_by_another_process_is_fine() -> None:
    # given the index already exists
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/lumi-moments":
            return httpx.Response(400, json={"error": {"type": "resource_already_exists_exception"}})
        return httpx.Response(201, json={"result": "created"})

    domain = FakeDomain(reply)
    # when / then
    make_index(domain).upsert(document())
    assert domain.requests[-1].url.path == "/lumi-moments/_doc/m1"


def test_upsert_puts_the_document_by_id_routed_by_couple() -> None:
    # given
    domain = FakeDomain()
    # when
    make_index(domain).upsert(document())
    # then
    request = domain.requests[-1]
    assert request.method == "PUT"
    assert request.url.path == "/lumi-moments/_doc/m1"
    assert request.url.params["routing"] == REL
    assert json.loads(request.content) == {
        "moment_id": "m1",
        "relationship_id": REL,
        "owner_id": "ana",
        "title": "Beach day",
        "tags": ["Summer", "Road trip"],
        "description": "Sand everywhere",
        "created_at": "2025-06-01T12:00:00+00:00",
    }


def test_a_refused_write_raises_so_the_stream_record_is_retried() -> None:
    domain = FakeDomain(lambda request: httpx.Response(503, text="overloaded"))
    with pytest.raises(OpenSearchError):
        make_index(domain).upsert(document())


def test_search_filters_by_couple_and_matches_every_word_in_weighted_fields() -> None:
    # given
    hits = {"hits": {"hits": [{"_id": "m2", "_score": 3.0}, {"_id": "m1", "_score": 1.0}]}}
    domain = FakeDomain(lambda request: httpx.Response(200, json=hits))
    # when
    found = make_index(domain).search(REL, "sunny beac", 20)
    # then
    assert found == ["m2", "m1"]
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("POST", "/lumi-moments/_search")
    assert request.url.params["routing"] == REL
    body = json.loads(request.content)
    assert body["size"] == 20
    query = body["query"]["bool"]
    assert query["filter"] == [{"term": {"relationship_id": REL}}]
    first, last = query["must"]
    assert first == {
        "multi_match": {"query": "sunny", "fields": ["title^3", "tags^2", "description"], "fuzziness": "AUTO"}
    }
    fuzzy, prefix = last["bool"]["should"]
    assert fuzzy["multi_match"] == {
        "query": "beac",
        "fields": ["title^3", "tags^2", "description"],
        "fuzziness": "AUTO",
    }
    assert prefix["multi_match"]["type"] == "bool_prefix" and prefix["multi_match"]["query"] == "beac"
    assert last["bool"]["minimum_should_match"] == 1


def test_search_sends_words_only_never_query_syntax() -> None:
    # given
    domain = FakeDomain()
    # when
    make_index(domain).search(REL, '"beach" OR NEAR( -day* relationship_id:rel-y', 5)
    # then
    body = json.loads(domain.requests[0].content)
    words = [clause["multi_match"]["query"] for clause in body["query"]["bool"]["must"][:-1]]
    last = body["query"]["bool"]["must"][-1]["bool"]["should"][0]["multi_match"]["query"]
    assert [*words, last] == ["beach", "OR", "NEAR", "day", "relationship", "id", "rel", "y"]
    assert body["query"]["bool"]["filter"] == [{"term": {"relationship_id": REL}}]


def test_text_without_words_asks_nothing() -> None:
    domain = FakeDomain()
    assert make_index(domain).search(REL, ' "* - ', 5) == []
    assert domain.requests == []


def test_search_before_anything_was_indexed_finds_nothing() -> None:
    domain = FakeDomain(lambda request: httpx.Response(404, json={"error": {"type": "index_not_found_exception"}}))
    assert make_index(domain).search(REL, "beach", 5) == []


def test_an_unreachable_or_failing_domain_is_unavailable_not_a_crash() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    with pytest.raises(Unavailable):
        make_index(FakeDomain(unreachable)).search(REL, "beach", 5)
    with pytest.raises(Unavailable):
        make_index(FakeDomain(lambda request: httpx.Response(500, text="boom"))).search(REL, "beach", 5)


def test_remove_deletes_by_id_and_a_missing_document_is_fine() -> None:
    # given
    domain = FakeDomain(lambda request: httpx.Response(404, json={"result": "not_found"}))
    # when
    make_index(domain).remove(REL, "m1")
    # then
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("DELETE", "/lumi-moments/_doc/m1")
    assert request.url.params["routing"] == REL


def test_remove_couple_deletes_by_a_term_query_on_the_relationship() -> None:
    # given
    domain = FakeDomain()
    # when
    make_index(domain).remove_couple(REL)
    # then
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("POST", "/lumi-moments/_delete_by_query")
    assert request.url.params["routing"] == REL
    assert request.url.params["conflicts"] == "proceed"
    assert json.loads(request.content) == {"query": {"term": {"relationship_id": REL}}}


def test_an_endpoint_with_a_scheme_is_used_as_given() -> None:
    domain = FakeDomain()
    make_index(domain, endpoint="https://vpc-lumi.example:9200/").remove(REL, "m1")
    assert str(domain.requests[0].url).startswith("https://vpc-lumi.example:9200/lumi-moments/_doc/m1")
