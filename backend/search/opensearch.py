"""The search index in AWS: an OpenSearch domain, reached over httpx with SigV4 ("es").

Documents are routed by relationship (a couple's moments live on one shard, and a query
reads only that shard) and every query also filters on ``relationship_id`` with a
``term``, so routing alone never decides what a couple sees. The index is created with an
explicit mapping on first write: ids are keywords (a ``term`` on an analysed field would
miss), text fields fold case and accents like the local FTS5 tokenizer.

Query semantics follow the SQLite adapter: every word must match in some field (title
weighs most, then tags, then description), with fuzziness for typos, and the last word may
be unfinished.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator
from typing import Any
from urllib.parse import quote

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from backend.domain.errors import Unavailable
from backend.search.index import MUSIC_KINDS, MomentDocument, MusicDocument, MusicHit, query_words

log = logging.getLogger("lumi.search")

SERVICE = "es"
FIELDS = ["title^3", "tags^2", "description"]
TIMEOUT_SECONDS = 5.0

_TEXT = {"type": "text", "analyzer": "folded"}
INDEX_DEFINITION: dict[str, Any] = {
    "settings": {
        "analysis": {
            "analyzer": {"folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}
        }
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "moment_id": {"type": "keyword"},
            "relationship_id": {"type": "keyword"},
            "owner_id": {"type": "keyword"},
            "title": _TEXT,
            "tags": _TEXT,
            "description": _TEXT,
            "created_at": {"type": "date"},
        },
    },
}


class OpenSearchError(RuntimeError):
    """OpenSearch refused or failed a write; the stream record is retried."""


class SigV4(httpx.Auth):
    """Sign each request for the domain with the current (refreshable) credentials."""

    requires_request_body = True

    def __init__(self, credentials: Credentials, region: str) -> None:
        self.credentials = credentials
        self.region = region

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        signed = AWSRequest(
            method=request.method,
            url=str(request.url),
            data=request.content,
            headers={"host": request.headers["host"], "content-type": request.headers.get("content-type", "")},
        )
        SigV4Auth(self.credentials.get_frozen_credentials(), SERVICE, self.region).add_auth(signed)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in signed.headers:
                request.headers[name] = signed.headers[name]
        yield request


def document_body(document: MomentDocument) -> dict[str, Any]:
    return {
        "moment_id": document.moment_id,
        "relationship_id": document.relationship_id,
        "owner_id": document.owner_id,
        "title": document.title,
        "tags": list(document.tags),
        "description": document.description,
        "created_at": document.created_at.isoformat(),
    }


def search_body(relationship_id: str, words: list[str], limit: int) -> dict[str, Any]:
    """Every word required in some field (fuzzy); the last one may also be a prefix."""
    *whole, last = words
    required: list[dict[str, Any]] = [
        {"multi_match": {"query": word, "fields": FIELDS, "fuzziness": "AUTO"}} for word in whole
    ]
    required.append(
        {
            "bool": {
                "should": [
                    {"multi_match": {"query": last, "fields": FIELDS, "fuzziness": "AUTO"}},
                    {"multi_match": {"query": last, "fields": FIELDS, "type": "bool_prefix"}},
                ],
                "minimum_should_match": 1,
            }
        }
    )
    return {
        "size": limit,
        "_source": False,
        "track_total_hits": False,
        "query": {"bool": {"filter": [{"term": {"relationship_id": relationship_id}}], "must": required}},
        "sort": ["_score", {"created_at": "desc"}],
    }


def couple_query(relationship_id: str) -> dict[str, Any]:
    return {"query": {"term": {"relationship_id": relationship_id}}}


class OpenSearchIndex:
    definition: dict[str, Any] = INDEX_DEFINITION

    def __init__(
        self,
        endpoint: str,
        index: str,
        region: str,
        *,
        credentials: Credentials | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not endpoint:
            raise ValueError("LUMI_OPENSEARCH_ENDPOINT is not set")
        base = endpoint if "://" in endpoint else f"https://{endpoint}"
        if credentials is None:
            import boto3

            credentials = boto3.session.Session().get_credentials()
            if credentials is None:
                raise ValueError("no AWS credentials to sign OpenSearch requests with")
        self.index = index
        self._index_ready = False
        self._http = httpx.Client(
            base_url=base.rstrip("/"),
            auth=SigV4(credentials, region),
            timeout=TIMEOUT_SECONDS,
            transport=transport,
            headers={"content-type": "application/json"},
        )

    def _path(self, *parts: str) -> str:
        return "/" + "/".join(quote(part, safe="_") for part in (self.index, *parts))

    def _send(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> httpx.Response:
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        return self._http.request(method, path, content=content, params=params)

    def _ensure_index(self) -> None:
        if self._index_ready:
            return
        response = self._send("PUT", self._path(), self.definition)
        if response.status_code >= 400 and "resource_already_exists_exception" not in response.text:
            raise OpenSearchError(f"creating index {self.index}: {response.status_code} {response.text[:500]}")
        self._index_ready = True

    @staticmethod
    def _check(response: httpx.Response, what: str, *, missing_ok: bool = False) -> None:
        if response.status_code == 404 and missing_ok:
            return
        if response.status_code >= 400:
            raise OpenSearchError(f"{what}: {response.status_code} {response.text[:500]}")

    def upsert(self, document: MomentDocument) -> None:
        self._ensure_index()
        response = self._send(
            "PUT",
            self._path("_doc", document.moment_id),
            document_body(document),
            params={"routing": document.relationship_id},
        )
        self._check(response, f"indexing moment {document.moment_id}")

    def remove(self, relationship_id: str, moment_id: str) -> None:
        response = self._send("DELETE", self._path("_doc", moment_id), params={"routing": relationship_id})
        self._check(response, f"removing moment {moment_id}", missing_ok=True)

    def remove_couple(self, relationship_id: str) -> None:
        response = self._send(
            "POST",
            self._path("_delete_by_query"),
            couple_query(relationship_id),
            params={"routing": relationship_id, "conflicts": "proceed", "refresh": "true"},
        )
        self._check(response, f"removing the moments of {relationship_id}", missing_ok=True)

    def search(self, relationship_id: str, text: str, limit: int) -> list[str]:
        words = query_words(text)
        if not words or limit < 1:
            return []
        try:
            response = self._send(
                "POST",
                self._path("_search"),
                search_body(relationship_id, words, limit),
                params={"routing": relationship_id},
            )
        except httpx.TransportError as error:
            raise Unavailable("Search is not reachable right now. Please try again shortly.") from error
        if response.status_code == 404:
            return []  # nothing indexed yet
        if response.status_code >= 400:
            log.error("search failed: %s %s", response.status_code, response.text[:500])
            raise Unavailable("Search is not working right now. Please try again shortly.")
        return [hit["_id"] for hit in response.json()["hits"]["hits"]]

    def close(self) -> None:
        self._http.close()


# ---------------------------------------------------------------- music (issue 13)

MUSIC_FIELDS = ["name^3", "detail"]
MUSIC_INDEX_DEFINITION: dict[str, Any] = {
    "settings": INDEX_DEFINITION["settings"],
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "person_id": {"type": "keyword"},
            "kind": {"type": "keyword"},
            "item_id": {"type": "keyword"},
            "name": _TEXT,
            "detail": _TEXT,
        },
    },
}


def music_document_id(person_id: str, kind: str, item_id: str) -> str:
    return f"{person_id}:{kind}:{item_id}"


def music_document_body(document: MusicDocument) -> dict[str, Any]:
    return {
        "person_id": document.person_id,
        "kind": document.kind,
        "item_id": document.item_id,
        "name": document.name,
        "detail": document.detail,
    }


def music_search_body(person_id: str, words: list[str], kind: str, limit: int) -> dict[str, Any]:
    """One kind's hits for a person: every word fuzzy (``AUTO``) in the name or detail, the last
    one also as a prefix; the name starting with what was typed scores higher."""
    *whole, last = words
    required: list[dict[str, Any]] = [
        {"multi_match": {"query": word, "fields": MUSIC_FIELDS, "fuzziness": "AUTO"}} for word in whole
    ]
    required.append(
        {
            "bool": {
                "should": [
                    {"multi_match": {"query": last, "fields": MUSIC_FIELDS, "fuzziness": "AUTO"}},
                    {"multi_match": {"query": last, "fields": MUSIC_FIELDS, "type": "bool_prefix"}},
                ],
                "minimum_should_match": 1,
            }
        }
    )
    return {
        "size": limit,
        "_source": ["kind", "item_id"],
        "track_total_hits": False,
        "query": {
            "bool": {
                "filter": [{"term": {"person_id": person_id}}, {"term": {"kind": kind}}],
                "must": required,
                "should": [{"match_phrase_prefix": {"name": {"query": " ".join(words), "boost": 2}}}],
            }
        },
        "sort": ["_score", {"item_id": "asc"}],
    }


class OpenSearchMusicIndex(OpenSearchIndex):
    """A person's songs, albums and artists in their own index, routed by person; every query
    filters on ``person_id`` with a ``term`` too."""

    definition = MUSIC_INDEX_DEFINITION

    def upsert_music(self, document: MusicDocument) -> None:
        self._ensure_index()
        doc_id = music_document_id(document.person_id, document.kind, document.item_id)
        response = self._send(
            "PUT", self._path("_doc", doc_id), music_document_body(document), params={"routing": document.person_id}
        )
        self._check(response, f"indexing {document.kind} {document.item_id}")

    def remove_music(self, person_id: str, kind: str, item_id: str) -> None:
        doc_id = music_document_id(person_id, kind, item_id)
        response = self._send("DELETE", self._path("_doc", doc_id), params={"routing": person_id})
        self._check(response, f"removing {kind} {item_id}", missing_ok=True)

    def search_music(self, person_id: str, text: str, limit: int) -> list[MusicHit]:
        words = query_words(text)
        if not words or limit < 1:
            return []
        lines: list[str] = []
        kinds = MUSIC_KINDS  # songs, albums, artists, playlists: one search each, in one _msearch
        for kind in kinds:
            lines.append(json.dumps({"routing": person_id}))
            lines.append(json.dumps(music_search_body(person_id, words, kind, limit), separators=(",", ":")))
        try:
            response = self._http.request(
                "POST",
                self._path("_msearch"),
                content=("\n".join(lines) + "\n").encode(),
                headers={"content-type": "application/x-ndjson"},
            )
        except httpx.TransportError as error:
            raise Unavailable("Search is not reachable right now. Please try again shortly.") from error
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            log.error("music search failed: %s %s", response.status_code, response.text[:500])
            raise Unavailable("Search is not working right now. Please try again shortly.")
        hits: list[MusicHit] = []
        for kind, answer in zip(kinds, response.json().get("responses", []), strict=False):
            if "error" in answer:
                if answer.get("status") == 404:
                    continue  # nothing indexed yet
                log.error("music search failed: %s", str(answer["error"])[:500])
                raise Unavailable("Search is not working right now. Please try again shortly.")
            hits += [MusicHit(kind, hit["_source"]["item_id"]) for hit in answer["hits"]["hits"]]
        return hits
