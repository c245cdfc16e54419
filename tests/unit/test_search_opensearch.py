"""The OpenSearch adapter (opensearch-py), faked at the HTTP boundary: the requests it signs and the bodies it builds.

OpenSearch is not emulated locally, so the domain is a requests transport adapter that
records what the client sends and answers like the service; everything above it (the
client with its AWSV4SignerAuth, serializer, retries and errors) is the real code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from backend.domain.errors import Unavailable
from backend.search.index import MomentDocument
from backend.search.opensearch import OpenSearchError, OpenSearchIndex

ENDPOINT = "search-lumi-test-abc123.us-east-1.es.amazonaws.com"
CREDENTIALS = Credentials("AKIDEXAMPLE", "secret-example", "session-token-example")
REL = "rel-x"


@dataclass(frozen=True)
class Seen:
    """One request as it left the client."""

    method: str
    url: SplitResult
    params: dict[str, str]
    headers: CaseInsensitiveDict
    content: bytes


Reply = Callable[[Seen], tuple[int, Any]]


def answer(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    """What the service answers: JSON, or plain text when ``body`` is a str."""
    response = requests.Response()
    response.status_code = status
    response.request = request
    response.url = str(request.url)
    text = body if isinstance(body, str) else json.dumps(body)
    response._content = text.encode()
    response.headers["content-type"] = "text/plain" if isinstance(body, str) else "application/json; charset=UTF-8"
    return response


class FakeDomain(BaseAdapter):
    """The domain at the HTTP boundary: records every request; answers with ``reply`` (200 by default)."""

    def __init__(self, reply: Reply | None = None) -> None:
        super().__init__()
        self.reply = reply
        self.requests: list[Seen] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        body = request.body or b""
        url = urlsplit(str(request.url))
        seen = Seen(
            method=str(request.method),
            url=url,
            params=dict(parse_qsl(url.query)),
            headers=CaseInsensitiveDict(request.headers),
            content=body.encode() if isinstance(body, str) else body,
        )
        self.requests.append(seen)
        if self.reply is not None:
            return answer(request, *self.reply(seen))
        return answer(request, 200, {"acknowledged": True, "hits": {"hits": []}})

    def close(self) -> None:
        pass


def make_index(domain: FakeDomain, endpoint: str = ENDPOINT) -> OpenSearchIndex:
    return OpenSearchIndex(endpoint, "lumi-moments", "us-east-1", credentials=CREDENTIALS, adapter=domain)


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


def signed_headers(request: Seen) -> list[str]:
    return request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def wire_host(url: SplitResult) -> str:
    """The Host header http.client writes when it sends, below this boundary: the port only if not 443."""
    return str(url.hostname) if url.port in (None, 443) else f"{url.hostname}:{url.port}"


def expected_signature(request: Seen) -> str:
    """SigV4 for "es" over this exact method, URL, body and the headers the request says it signed."""
    aws_request = AWSRequest(
        method=request.method,
        url=request.url.geturl(),
        data=request.content,
        headers={name: request.headers.get(name, wire_host(request.url)) for name in signed_headers(request)},
    )
    aws_request.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(CREDENTIALS, "es", "us-east-1")
    return signer.signature(signer.string_to_sign(aws_request, signer.canonical_request(aws_request)), aws_request)


def test_every_request_is_signed_for_the_es_service_over_its_body_and_query() -> None:
    # given
    domain = FakeDomain()
    index = make_index(domain)
    # when
    index.upsert(document())
    index.search(REL, "beach", 5)
    # then
    assert [(r.method, r.url.path) for r in domain.requests] == [
        ("PUT", "/lumi-moments"),
        ("PUT", "/lumi-moments/_doc/m1"),
        ("POST", "/lumi-moments/_search"),
    ]
    for request in domain.requests:
        authorization = request.headers["authorization"]
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        assert "/us-east-1/es/aws4_request" in authorization
        assert {"host", "x-amz-date", "x-amz-security-token"} <= set(signed_headers(request))
        assert "host" not in request.headers  # so the signed host is the URL's, as sent
        assert request.headers["x-amz-security-token"] == "session-token-example"
        assert request.headers["x-amz-content-sha256"] == hashlib.sha256(request.content).hexdigest()
        assert authorization.endswith(f"Signature={expected_signature(request)}")
        assert request.url.scheme == "https" and request.url.hostname == ENDPOINT


def test_the_signature_covers_the_body_and_the_query() -> None:
    """The check above is worth something: another body or query gives another signature."""
    domain = FakeDomain()
    make_index(domain).upsert(document())
    request = domain.requests[-1]
    signature = request.headers["authorization"].rsplit("Signature=", 1)[1]
    other_body = Seen(request.method, request.url, request.params, request.headers, request.content + b" ")
    other_query = Seen(
        request.method, request.url._replace(query="routing=rel-y"), request.params, request.headers, request.content
    )
    assert expected_signature(request) == signature
    assert expected_signature(other_body) != signature
    assert expected_signature(other_query) != signature


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
    def reply(request: Seen) -> tuple[int, Any]:
        if request.url.path == "/lumi-moments":
            return 400, {"error": {"type": "resource_already_exists_exception"}, "status": 400}
        return 201, {"result": "created"}

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
    assert request.params["routing"] == REL
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
    domain = FakeDomain(lambda request: (503, "overloaded"))
    with pytest.raises(OpenSearchError, match="creating index lumi-moments: 503 overloaded"):
        make_index(domain).upsert(document())
    assert len(domain.requests) == 1  # an answer is not sent again: the stream record is


def test_another_refusal_to_create_the_index_is_a_failed_write() -> None:
    domain = FakeDomain(lambda request: (400, {"error": {"type": "mapper_parsing_exception"}, "status": 400}))
    with pytest.raises(OpenSearchError, match="mapper_parsing_exception"):
        make_index(domain).upsert(document())


def test_search_filters_by_couple_and_matches_every_word_in_weighted_fields() -> None:
    # given
    hits = {"hits": {"hits": [{"_id": "m2", "_score": 3.0}, {"_id": "m1", "_score": 1.0}]}}
    domain = FakeDomain(lambda request: (200, hits))
    # when
    found = make_index(domain).search(REL, "sunny beac", 20)
    # then
    assert found == ["m2", "m1"]
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("POST", "/lumi-moments/_search")
    assert request.params["routing"] == REL
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
    domain = FakeDomain(lambda request: (404, {"error": {"type": "index_not_found_exception"}, "status": 404}))
    assert make_index(domain).search(REL, "beach", 5) == []


def test_an_unreachable_or_failing_domain_is_unavailable_not_a_crash() -> None:
    def unreachable(request: Seen) -> tuple[int, Any]:
        raise requests.exceptions.ConnectionError("no route")

    with pytest.raises(Unavailable, match="not reachable"):
        make_index(FakeDomain(unreachable)).search(REL, "beach", 5)
    with pytest.raises(Unavailable, match="not working"):
        make_index(FakeDomain(lambda request: (500, "boom"))).search(REL, "beach", 5)


def test_a_dropped_connection_is_tried_once_more() -> None:
    # given the first attempt's connection drops
    def drop_once(request: Seen) -> tuple[int, Any]:
        if len(domain.requests) == 1:
            raise requests.exceptions.ConnectionError("connection reset by peer")
        return 200, {"hits": {"hits": [{"_id": "m1"}]}}

    domain = FakeDomain(drop_once)
    # when / then
    assert make_index(domain).search(REL, "beach", 5) == ["m1"]
    assert len(domain.requests) == 2


def test_a_failed_write_names_what_failed() -> None:
    def unreachable(request: Seen) -> tuple[int, Any]:
        raise requests.exceptions.ConnectionError("no route")

    with pytest.raises(OpenSearchError, match="removing moment m1"):
        make_index(FakeDomain(unreachable)).remove(REL, "m1")


def test_remove_deletes_by_id_and_a_missing_document_is_fine() -> None:
    # given
    domain = FakeDomain(lambda request: (404, {"result": "not_found"}))
    # when
    make_index(domain).remove(REL, "m1")
    # then
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("DELETE", "/lumi-moments/_doc/m1")
    assert request.params["routing"] == REL


def test_remove_couple_deletes_by_a_term_query_on_the_relationship() -> None:
    # given
    domain = FakeDomain()
    # when
    make_index(domain).remove_couple(REL)
    # then
    (request,) = domain.requests
    assert (request.method, request.url.path) == ("POST", "/lumi-moments/_delete_by_query")
    assert request.params["routing"] == REL
    assert request.params["conflicts"] == "proceed"
    assert json.loads(request.content) == {"query": {"term": {"relationship_id": REL}}}


def test_an_endpoint_with_a_scheme_is_used_as_given() -> None:
    domain = FakeDomain()
    make_index(domain, endpoint="https://vpc-lumi.example:9200/").remove(REL, "m1")
    assert domain.requests[0].url.geturl().startswith("https://vpc-lumi.example:9200/lumi-moments/_doc/m1")


@pytest.mark.parametrize("endpoint", ["http://search-lumi.example", "", "ftp://search-lumi.example"])
def test_an_endpoint_not_over_https_is_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="LUMI_OPENSEARCH_ENDPOINT"):
        make_index(FakeDomain(), endpoint=endpoint)


def test_the_opensearch_setting_picks_these_indexes_signed_with_botocore_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the settings a deployed function has, and its role's credentials in the environment
    from backend.search import get_music_index, get_search_index, reset_search_index
    from backend.search.opensearch import OpenSearchMusicIndex
    from backend.settings import reset_settings

    monkeypatch.setenv("LUMI_SEARCH_BACKEND", "opensearch")
    monkeypatch.setenv("LUMI_OPENSEARCH_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("LUMI_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDROLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "role-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "role-token")
    reset_settings()
    reset_search_index()
    try:
        # when
        moments, music = get_search_index(), get_music_index()
        # then
        assert type(moments) is OpenSearchIndex and moments.index == "lumi-moments"
        assert isinstance(music, OpenSearchMusicIndex) and music.index == "lumi-moments-music"
        domain = FakeDomain()
        connection = music._client.transport.get_connection()  # type: ignore[attr-defined]
        connection.session.mount("https://", domain)
        music.remove_music("ana", "song", "s1")
        (request,) = domain.requests
        assert "Credential=AKIDROLE/" in request.headers["authorization"]
        assert "/eu-west-1/es/aws4_request" in request.headers["authorization"]
        assert request.headers["x-amz-security-token"] == "role-token"
        assert request.url.path == "/lumi-moments-music/_doc/ana%3Asong%3As1"
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_search_index()
