"""QuoteClient: a typed wrapper over the quotes.v1.QuoteService stub.

    with QuoteClient("localhost:50051") as client:
        response = client.extract('"We will win," she said.', id="doc-1")
        for quote in response.quotes:
            print(quote.text, quote.speaker.name)

Errors surface as ``grpc.RpcError``; ``describe_error`` turns one into a single line that includes
the server's field violations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Union

import grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from quotes.v1 import quote_service_pb2 as pb
from quotes.v1 import quote_service_pb2_grpc as pb_grpc

#: A document: a ``Document`` message, an ``(id, text)`` pair, a mapping with "text" (and
#: optionally "id"; other keys ignored), or a bare text (its id is then its position).
DocumentLike = Union[pb.Document, tuple[str, str], Mapping[str, object], str]
#: An offset unit: the enum value, or a name such as "utf8_byte", "UTF16_CODE_UNIT",
#: "OFFSET_UNIT_CODE_POINT".
OffsetUnitLike = Union[int, str]

_MAX_MESSAGE = 256 * 1024 * 1024  # batches of long documents exceed gRPC's 4 MiB default

# Spread calls over every address the target resolves to (a headless Service: dns:///name:port)
# and retry the refusals that are safe to retry: UNAVAILABLE (a pod shutting down or gone) and
# RESOURCE_EXHAUSTED (a full queue; the server's pushback says how long to wait). Extraction has
# no side effects, so a retried call is harmless.
SERVICE_CONFIG = json.dumps({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
        "name": [{"service": "quotes.v1.QuoteService"}],
        "retryPolicy": {
            "maxAttempts": 4,
            "initialBackoff": "0.25s",
            "maxBackoff": "10s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
        },
    }],
})


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()


def to_offset_unit(value: OffsetUnitLike) -> int:
    """The OffsetUnit enum value for ``value`` (ValueError if there is none)."""
    if isinstance(value, int):
        return value
    name = value.strip().upper().replace("-", "_")
    if not name.startswith("OFFSET_UNIT_"):
        name = "OFFSET_UNIT_" + name
    try:
        return pb.OffsetUnit.Value(name)
    except ValueError:
        choices = ", ".join(n.removeprefix("OFFSET_UNIT_").lower() for n in pb.OffsetUnit.keys()
                            if not n.endswith("UNSPECIFIED"))
        raise ValueError(f"unknown offset unit {value!r}; choose from {choices}") from None


def to_document(document: DocumentLike, position: int = 0) -> pb.Document:
    if isinstance(document, pb.Document):
        return document
    if isinstance(document, str):
        return pb.Document(id=str(position), text=document)
    if isinstance(document, tuple):
        doc_id, text = document
        return pb.Document(id=str(doc_id), text=text)
    if isinstance(document, Mapping):
        return pb.Document(id=str(document.get("id", position)), text=str(document["text"]))
    raise TypeError(f"not a document: {type(document).__name__}")


def describe_error(error: grpc.RpcError) -> str:
    """One line: the status code, the message, and any field violations not already in it."""
    code = error.code().name if hasattr(error, "code") and error.code() else "UNKNOWN"
    line = f"{code}: {error.details() if hasattr(error, 'details') else error}"
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            extra = [f"{v.field}: {v.description}" for v in bad_request.field_violations
                     if f"{v.field}: {v.description}" not in line]
            if extra:
                line += "; " + "; ".join(extra)
    return line


class QuoteClient:
    """Calls a QuoteService at ``target`` ("host:port"); closes its channel on exit."""

    def __init__(self, target: str, *, timeout: float | None = None,
                 credentials: grpc.ChannelCredentials | None = None,
                 wait_for_ready: bool = False, tls: bool = False, ca: str | None = None,
                 cert: str | None = None, key: str | None = None,
                 token: str | None = None, retries: bool = True) -> None:
        """``tls``: connect with TLS (the system's roots, or ``ca``, a PEM file); ``cert`` and
        ``key``: this client's certificate for servers that require one (mTLS); ``token``: sent
        as ``authorization: Bearer <token>`` with every call; ``retries``: retry UNAVAILABLE and
        RESOURCE_EXHAUSTED as ``SERVICE_CONFIG`` says (round-robin over the target's addresses
        either way)."""
        options = [("grpc.max_receive_message_length", _MAX_MESSAGE),
                   ("grpc.max_send_message_length", _MAX_MESSAGE),
                   ("grpc.service_config", SERVICE_CONFIG),
                   ("grpc.enable_retries", 1 if retries else 0)]
        if credentials is None and (tls or ca or cert):
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(ca), private_key=_read(key),
                certificate_chain=_read(cert))
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        self._channel = (grpc.secure_channel(target, credentials, options=options) if credentials
                         else grpc.insecure_channel(target, options=options))
        self._stub = pb_grpc.QuoteServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self.timeout = timeout
        self.wait_for_ready = wait_for_ready

    def __enter__(self) -> "QuoteClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def extract(self, text: str, *, id: str = "",  # noqa: A002 - matches the proto field
                offset_unit: OffsetUnitLike = pb.OFFSET_UNIT_UNSPECIFIED,
                timeout: float | None = None) -> pb.ExtractQuotesResponse:
        """The quotes of one text."""
        request = pb.ExtractQuotesRequest(document=pb.Document(id=id, text=text),
                                          offset_unit=to_offset_unit(offset_unit))
        return self._stub.ExtractQuotes(request, timeout=self._timeout(timeout),
                                        wait_for_ready=self.wait_for_ready,
                                        metadata=self._metadata)

    def extract_batch(self, documents: Iterable[DocumentLike], *,
                      offset_unit: OffsetUnitLike = pb.OFFSET_UNIT_UNSPECIFIED,
                      timeout: float | None = None) -> list[pb.ExtractQuotesResponse]:
        """The quotes of each document (one call; at most the server's batch size), in order."""
        request = pb.BatchExtractQuotesRequest(
            documents=[to_document(doc, i) for i, doc in enumerate(documents)],
            offset_unit=to_offset_unit(offset_unit))
        response = self._stub.BatchExtractQuotes(request, timeout=self._timeout(timeout),
                                                 wait_for_ready=self.wait_for_ready,
                                                 metadata=self._metadata)
        return list(response.responses)

    def stream(self, documents: Iterable[DocumentLike], *,
               offset_unit: OffsetUnitLike = pb.OFFSET_UNIT_UNSPECIFIED,
               timeout: float | None = None) -> Iterator[pb.StreamExtractQuotesResponse]:
        """One response per document, in order, as the server finishes each.

        ``documents`` is consumed lazily, so it may be a generator of documents as they arrive;
        ``timeout`` bounds the whole stream.
        """
        unit = to_offset_unit(offset_unit)
        requests = (pb.StreamExtractQuotesRequest(document=to_document(doc, i), offset_unit=unit)
                    for i, doc in enumerate(documents))
        return self._stub.StreamExtractQuotes(requests, timeout=self._timeout(timeout),
                                              wait_for_ready=self.wait_for_ready,
                                              metadata=self._metadata)

    def health(self, service: str = "", *, timeout: float | None = None) -> str:
        """Health of ``service`` ("" = the whole server): "SERVING", "NOT_SERVING", ..."""
        response = self._health.Check(health_pb2.HealthCheckRequest(service=service),
                                      timeout=self._timeout(timeout))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
