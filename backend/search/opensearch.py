"""The search index in AWS: an OpenSearch domain, reached with ``opensearch-py`` signed SigV4 ("es").

The client signs every request with ``AWSV4SignerAuth`` and the process's botocore
credentials (the Lambda role's, refreshed as they rotate), over HTTPS with certificates
verified. This module (and opensearch-py with it) is imported only when
``Settings.search_backend`` is ``opensearch``, by ``backend.search`` on first use, so the
API's cold start does not pay for it.

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

import logging
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from backend.domain.errors import Unavailable
from backend.search.index import MUSIC_KINDS, MomentDocument, MusicDocument, MusicHit, query_words

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from requests.adapters import BaseAdapter

log = logging.getLogger("lumi.search")

SERVICE = "es"
FIELDS = ["title^3", "tags^2", "description"]
TIMEOUT_SECONDS = 5.0
# One more try when a connection drops (a pooled connection the domain closed while the
# Lambda was frozen); an answer, even a 5xx, is never sent twice: the stream record is.
MAX_RETRIES = 1

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
    """OpenSearch refused or failed a write (or could not be reached); the stream record is retried."""


def domain_url(endpoint: str) -> str:
    """The domain's HTTPS URL: a bare host (what the stack hands over) gets ``https://``;
    a URL is used as given, but only over HTTPS (requests carry SigV4 headers)."""
    if not endpoint:
        raise ValueError("LUMI_OPENSEARCH_ENDPOINT is not set")
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    if urlsplit(url).scheme != "https":
        raise ValueError(f"LUMI_OPENSEARCH_ENDPOINT must be reached over HTTPS, not {endpoint!r}")
    return url.rstrip("/")


def client_for(
    endpoint: str, region: str, credentials: Credentials | None = None, adapter: BaseAdapter | None = None
) -> OpenSearch:
    """An opensearch-py client for the domain, signing for ``es`` in ``region``.

    ``credentials`` default to botocore's chain (the Lambda role); ``adapter`` replaces the
    HTTP transport under requests (tests fake the domain there, at the HTTP boundary)."""
    url = domain_url(endpoint)
    if credentials is None:
        import botocore.session

        credentials = botocore.session.get_session().get_credentials()
        if credentials is None:
            raise ValueError("no AWS credentials to sign OpenSearch requests with")
    client = OpenSearch(
        hosts=[url],
        http_auth=AWSV4SignerAuth(credentials, region, SERVICE),
        use_ssl=True,
        verify_certs=True,
        connection_class=RequestsHttpConnection,
        timeout=TIMEOUT_SECONDS,
        max_retries=MAX_RETRIES,
        retry_on_status=(),
    )
    if adapter is not None:
        client.transport.get_connection().session.mount("https://", adapter)
    return client


def _detail(error: TransportError) -> str:
    """The status and what the domain said (its JSON error, else the text), shortened for a log."""
    said = error.info if error.info is not None else error.error
    return f"{error.status_code} {str(said)[:500]}"


def _failed(what: str, error: TransportError) -> NoReturn:
    raise OpenSearchError(f"{what}: {_detail(error)}") from error


def _unavailable(what: str, error: TransportError) -> NoReturn:
    if isinstance(error, OpenSearchConnectionError):
        raise Unavailable("Search is not reachable right now. Please try again shortly.") from error
    log.error("%s failed: %s", what, _detail(error))
    raise Unavailable("Search is not working right now. Please try again shortly.") from error


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
        adapter: BaseAdapter | None = None,
    ) -> None:
        self.index = index
        self._index_ready = False
        self._client = client_for(endpoint, region, credentials, adapter)

    def _ensure_index(self) -> None:
        if self._index_ready:
            return
        try:
            self._client.indices.create(index=self.index, body=self.definition)
        except RequestError as error:
            if error.error != "resource_already_exists_exception":
                _failed(f"creating index {self.index}", error)
        except TransportError as error:
            _failed(f"creating index {self.index}", error)
        self._index_ready = True

    def upsert(self, document: MomentDocument) -> None:
        self._ensure_index()
        try:
            self._client.index(
                index=self.index, id=document.moment_id, body=document_body(document), routing=document.relationship_id
            )
        except TransportError as error:
            _failed(f"indexing moment {document.moment_id}", error)

    def remove(self, relationship_id: str, moment_id: str) -> None:
        try:
            self._client.delete(index=self.index, id=moment_id, routing=relationship_id)
        except NotFoundError:
            pass  # not there (or no index yet): nothing to forget
        except TransportError as error:
            _failed(f"removing moment {moment_id}", error)

    def remove_couple(self, relationship_id: str) -> None:
        try:
            self._client.delete_by_query(
                index=self.index,
                body=couple_query(relationship_id),
                routing=relationship_id,
                conflicts="proceed",
                refresh=True,
            )
        except NotFoundError:
            pass
        except TransportError as error:
            _failed(f"removing the moments of {relationship_id}", error)

    def search(self, relationship_id: str, text: str, limit: int) -> list[str]:
        words = query_words(text)
        if not words or limit < 1:
            return []
        try:
            answer = self._client.search(
                index=self.index, body=search_body(relationship_id, words, limit), routing=relationship_id
            )
        except NotFoundError:
            return []  # nothing indexed yet
        except TransportError as error:
            _unavailable("search", error)
        return [hit["_id"] for hit in answer["hits"]["hits"]]

    def close(self) -> None:
        self._client.close()


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
        try:
            self._client.index(
                index=self.index, id=doc_id, body=music_document_body(document), routing=document.person_id
            )
        except TransportError as error:
            _failed(f"indexing {document.kind} {document.item_id}", error)

    def remove_music(self, person_id: str, kind: str, item_id: str) -> None:
        doc_id = music_document_id(person_id, kind, item_id)
        try:
            self._client.delete(index=self.index, id=doc_id, routing=person_id)
        except NotFoundError:
            pass
        except TransportError as error:
            _failed(f"removing {kind} {item_id}", error)

    def search_music(self, person_id: str, text: str, limit: int) -> list[MusicHit]:
        words = query_words(text)
        if not words or limit < 1:
            return []
        kinds = MUSIC_KINDS  # songs, albums, artists, playlists: one search each, in one _msearch
        searches: list[dict[str, Any]] = []
        for kind in kinds:
            searches += [{"routing": person_id}, music_search_body(person_id, words, kind, limit)]
        try:
            answer = self._client.msearch(index=self.index, body=searches)
        except NotFoundError:
            return []
        except TransportError as error:
            _unavailable("music search", error)
        hits: list[MusicHit] = []
        for kind, found in zip(kinds, answer.get("responses", []), strict=False):
            if "error" in found:
                if found.get("status") == 404:
                    continue  # nothing indexed yet
                log.error("music search failed: %s", str(found["error"])[:500])
                raise Unavailable("Search is not working right now. Please try again shortly.")
            hits += [MusicHit(kind, hit["_source"]["item_id"]) for hit in found["hits"]["hits"]]
        return hits
