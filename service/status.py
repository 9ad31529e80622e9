"""How a call ends when it does not succeed: AIP-193 statuses (a google.rpc.ErrorInfo, and a
google.rpc.BadRequest with one violation per bad field), shared by the servicer and the
interceptors (authentication, malformed requests)."""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "quotes.v1"


def _packed(*details: Any) -> list[any_pb2.Any]:
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return packed


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, reason: str,
          *details: Any, metadata: dict[str, str] | None = None,
          retry_after: float | None = None) -> NoReturn:
    """End the call with ``code``, a google.rpc.ErrorInfo(``reason``) and ``details``.

    ``retry_after`` (seconds) also goes out as ``grpc-retry-pushback-ms``, which gRPC's own
    retry policy (the client's service config) honours the way RetryInfo asks."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata or {})
    status = rpc_status.to_status(status_pb2.Status(code=getattr(code_pb2, code.name),
                                                    message=message,
                                                    details=_packed(info, *details)))
    if retry_after is not None:
        status = _GrpcStatus(status.code, status.details, (
            *status.trailing_metadata, ("grpc-retry-pushback-ms", str(int(retry_after * 1000)))))
    context.abort_with_status(status)
    raise AssertionError("unreachable: abort_with_status raises")


class _GrpcStatus(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple) -> None:
        self.code, self.details, self.trailing_metadata = code, details, trailing_metadata


class Violations:
    """Collects every bad field of a request, so the caller learns them all in one answer."""

    def __bool__(self) -> bool:
        return bool(self._items)

    def __init__(self, context_note: str = "") -> None:
        self._note = context_note
        self._items: list[error_details_pb2.BadRequest.FieldViolation] = []

    def add(self, field: str, reason: str, description: str) -> None:
        self._items.append(error_details_pb2.BadRequest.FieldViolation(
            field=field, reason=reason, description=self._note + description))

    def raise_if_any(self, context: grpc.ServicerContext) -> None:
        if not self._items:
            return
        first = self._items[0]
        message = f"{first.field}: {first.description}"
        if len(self._items) > 1:
            message += f" (and {len(self._items) - 1} more field violations)"
        abort(context, grpc.StatusCode.INVALID_ARGUMENT, message, first.reason,
              error_details_pb2.BadRequest(field_violations=self._items))


# Why a call's documents left the queue unparsed -> how the call ends.
DROPPED = {
    "deadline": (grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the work ended",
                 "DEADLINE_EXCEEDED"),
    "shutdown": (grpc.StatusCode.UNAVAILABLE,
                 "the server is shutting down; retry on another replica", "SHUTTING_DOWN"),
    "cancelled": (grpc.StatusCode.CANCELLED, "the call was cancelled", "CANCELLED"),
}
