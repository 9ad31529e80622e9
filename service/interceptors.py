"""Every interceptor of the server, in the order ``service.server`` chains them (outermost first):

    MetricsInterceptor          the gRPC series of ``service.metrics``
    AccessLogInterceptor        one line per call (``service.access_log``)
    TokenAuthInterceptor        bearer tokens (``service.security`` reads the tokens file)
    UnexpectedErrorInterceptor  unmapped exceptions -> INTERNAL, traceback to the log
    MalformedRequestInterceptor bytes that do not parse -> INVALID_ARGUMENT

Metrics and the access log both run code when a call starts, for each response, and once when it
ends with its final status, for unary and streaming handlers alike (a stream may also end by gRPC
closing it when the client goes): ``observed`` does that once for both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc

from service import access_log
from service.metrics import Metrics
from service.security import OPEN_SERVICES, TokenFile

log = logging.getLogger(__name__)

State = TypeVar("State")


def final_code(context: grpc.ServicerContext, default: grpc.StatusCode) -> grpc.StatusCode:
    """The status the call ends with, as far as the server can tell."""
    code = context.code()
    if code is not None and code != grpc.StatusCode.OK:
        return code
    if not context.is_active():
        # The client went away: its deadline passed or it cancelled.
        return (grpc.StatusCode.DEADLINE_EXCEEDED if context.time_remaining() <= 0
                else grpc.StatusCode.CANCELLED)
    return default


def observed(handler: grpc.RpcMethodHandler, behavior: Callable, *,
             start: Callable[[grpc.ServicerContext], State],
             end: Callable[[grpc.ServicerContext, State, grpc.StatusCode], None],
             response: Callable[[], None] = lambda: None) -> Callable:
    """``behavior`` with ``start(context)`` as a call begins (its result goes to ``end``),
    ``response()`` for each response message, and ``end(context, state, code)`` once with the
    call's final status, whether the handler returned, raised, or gRPC closed its stream."""
    if handler.response_streaming:
        def stream(request: Any, context: grpc.ServicerContext) -> Iterator:
            state = start(context)
            code = None
            try:
                for message in behavior(request, context):
                    response()
                    yield message
            except GeneratorExit:  # gRPC closed the stream: the client cancelled or timed out
                code = final_code(context, grpc.StatusCode.CANCELLED)
                raise
            except BaseException:
                code = final_code(context, grpc.StatusCode.UNKNOWN)
                raise
            finally:
                end(context, state, code or final_code(context, grpc.StatusCode.OK))
        return stream

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        state = start(context)
        try:
            message = behavior(request, context)
        except BaseException:
            end(context, state, final_code(context, grpc.StatusCode.UNKNOWN))
            raise
        response()
        end(context, state, final_code(context, grpc.StatusCode.OK))
        return message
    return unary


# --- metrics ---------------------------------------------------------------------------------

def _rpc_type(handler: grpc.RpcMethodHandler) -> str:
    if handler.request_streaming and handler.response_streaming:
        return "bidi_stream"
    if handler.request_streaming:
        return "client_stream"
    if handler.response_streaming:
        return "server_stream"
    return "unary"


class MetricsInterceptor(grpc.ServerInterceptor):
    """The go-grpc-prometheus series (see ``service.metrics`` for why not py-grpc-prometheus).
    Place it outermost, so it sees the status the error interceptor settles on."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        service, _, method = handler_call_details.method.lstrip("/").rpartition("/")
        labels = {"grpc_type": _rpc_type(handler), "grpc_service": service or "unknown",
                  "grpc_method": method}
        return wrap_handler(handler, lambda behavior: self._instrument(behavior, handler, labels))

    def _instrument(self, behavior: Callable, handler: grpc.RpcMethodHandler,
                    labels: dict[str, str]) -> Callable:
        m = self._m
        received = m.msg_received.labels(**labels)

        def counted(requests: Iterator) -> Iterator:
            for request in requests:
                received.inc()
                yield request

        def counting(request_or_iterator: Any, context: grpc.ServicerContext):
            if handler.request_streaming:
                request_or_iterator = counted(request_or_iterator)
            else:
                received.inc()
            return behavior(request_or_iterator, context)

        def start(_context: grpc.ServicerContext) -> float:
            m.rpc_started.labels(**labels).inc()
            return time.perf_counter()

        def end(_context: grpc.ServicerContext, started: float, code: grpc.StatusCode) -> None:
            m.rpc_handled.labels(**labels, grpc_code=code.name).inc()
            m.rpc_seconds.labels(**labels).observe(time.perf_counter() - started)

        return observed(handler, counting, start=start, end=end,
                        response=m.msg_sent.labels(**labels).inc)


# --- access log ------------------------------------------------------------------------------

class AccessLogInterceptor(grpc.ServerInterceptor):
    """Logs every call of the service (health and reflection calls are left out)."""

    def __init__(self, per_second: float, service_prefix: str = "/quotes.") -> None:
        self._log = access_log.AccessLog(per_second)
        self._prefix = service_prefix

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not method.startswith(self._prefix):
            return handler
        return wrap_handler(handler, lambda behavior: self._logged(behavior, handler, method))

    def _logged(self, behavior: Callable, handler: grpc.RpcMethodHandler, method: str) -> Callable:
        name = method.rsplit("/", 1)[-1]

        def start(_context: grpc.ServicerContext) -> tuple[access_log.CallFacts, float]:
            return access_log.begin(), time.perf_counter()

        def counted(requests: Iterator, facts: access_log.CallFacts) -> Iterator:
            for request in requests:  # (on the servicer's stream-reader thread)
                facts.count_sent(request)
                yield request

        def counting(request_or_iterator: Any, context: grpc.ServicerContext):
            facts = access_log.current()  # before the handler runs: refused calls count too
            if facts is not None:
                if handler.request_streaming:
                    request_or_iterator = counted(request_or_iterator, facts)
                else:
                    facts.count_sent(request_or_iterator)
            return behavior(request_or_iterator, context)

        def end(context: grpc.ServicerContext, state: tuple[access_log.CallFacts, float],
                code: grpc.StatusCode) -> None:
            access_log.end()
            facts, started = state
            self._log.write(name, code.name, time.perf_counter() - started, context.peer(), facts)

        return observed(handler, counting, start=start, end=end)


# --- token authentication --------------------------------------------------------------------

class TokenAuthInterceptor(grpc.ServerInterceptor):
    """UNAUTHENTICATED without a known bearer token, PERMISSION_DENIED outside the client's
    methods (``service.security`` has the file format); health checks are open."""

    def __init__(self, tokens: TokenFile, abort: Callable[..., Any]) -> None:
        self._tokens = tokens
        self._abort = abort  # status.abort: AIP-193 status with an ErrorInfo

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        token = _bearer(handler_call_details.invocation_metadata)
        client = self._tokens.client_for(token) if token else None
        method_name = method.rsplit("/", 1)[-1]
        if client is None:
            code, reason = grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"
            message = ("missing bearer token (metadata 'authorization: Bearer <token>')"
                       if not token else "unknown bearer token")
        elif client.methods is not None and method_name not in client.methods:
            code, reason = grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"
            message = f"client {client.name!r} may not call {method_name}"
        else:
            return wrap_handler(handler, lambda behavior: _as_client(behavior, client.name))
        abort = self._abort

        def refuse(behavior: Callable) -> Callable:
            def refused(request: Any, context: grpc.ServicerContext):
                access_log.note_client(client.name if client else "")
                abort(context, code, message, reason)
            return refused
        return wrap_handler(handler, refuse)


def _as_client(behavior: Callable, name: str) -> Callable:
    def call(request: Any, context: grpc.ServicerContext):
        access_log.note_client(name)
        return behavior(request, context)
    return call


def _bearer(metadata: Any) -> str:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
            return value[len("Bearer "):].strip()
    return ""


# --- unexpected errors -----------------------------------------------------------------------

class UnexpectedErrorInterceptor(grpc.ServerInterceptor):
    """Turns exceptions the servicer did not map into INTERNAL with a generic message.

    Without it gRPC answers UNKNOWN with "Exception calling application: <message>", which leaks
    internals to callers. The full traceback is logged here instead.
    """

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method

        def guard(context: grpc.ServicerContext, exc: Exception) -> None:
            code = context.code()
            if code is not None and code != grpc.StatusCode.OK:
                return  # the servicer chose this status (context.abort): keep it
            log.error("unexpected error in %s", method, exc_info=exc)
            context.abort(grpc.StatusCode.INTERNAL, "internal error; the server logged the cause")

        def wrap(behavior: Callable) -> Callable:
            if handler.response_streaming:
                def stream(request: Any, context: grpc.ServicerContext):
                    try:
                        yield from behavior(request, context)
                    except Exception as exc:  # noqa: BLE001 - mapped to a status
                        guard(context, exc)
                        raise
                return stream

            def unary(request: Any, context: grpc.ServicerContext):
                try:
                    return behavior(request, context)
                except Exception as exc:  # noqa: BLE001 - mapped to a status
                    guard(context, exc)
                    raise
            return unary

        return wrap_handler(handler, wrap)


# --- malformed requests ----------------------------------------------------------------------

class MalformedRequest:
    """What a request's bytes became when they were not a valid message (bad protobuf, invalid
    UTF-8 in a string field)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class MalformedRequestInterceptor(grpc.ServerInterceptor):
    """Requests whose bytes do not parse get INVALID_ARGUMENT instead of gRPC's INTERNAL
    "Exception deserializing request!" with a traceback in the log for every one (a log flood
    for anyone who can reach the port); the log says how many, at most once every
    ``log_every`` seconds. Place it last (innermost): its deserializer is the one gRPC uses."""

    def __init__(self, abort: Callable[..., Any], log_every: float = 10.0) -> None:
        self._abort = abort
        self._log_every = log_every
        self._lock = threading.Lock()
        self._unlogged = 0
        self._last_log = float("-inf")

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        if handler is None or handler.request_deserializer is None:
            return handler
        method = handler_call_details.method
        parse = handler.request_deserializer

        def safe(data: bytes) -> Any:
            try:
                return parse(data)
            except Exception as exc:  # noqa: BLE001 - answered INVALID_ARGUMENT below
                return MalformedRequest(exc)

        def refuse(context: grpc.ServicerContext, bad: MalformedRequest) -> None:
            self._note(method, bad)
            self._abort(context, grpc.StatusCode.INVALID_ARGUMENT,
                        "the request is not a valid message of this method "
                        f"({type(bad.error).__name__})", "MALFORMED_REQUEST")

        def wrap(behavior: Callable) -> Callable:
            def call(request: Any, context: grpc.ServicerContext):
                if handler.request_streaming:
                    request = _checked(request, context, refuse)
                elif isinstance(request, MalformedRequest):
                    refuse(context, request)
                return behavior(request, context)
            return call

        wrapped = wrap_handler(handler, wrap)
        kind = ("stream_stream" if handler.request_streaming and handler.response_streaming else
                "stream_unary" if handler.request_streaming else
                "unary_stream" if handler.response_streaming else "unary_unary")
        factory = getattr(grpc, f"{kind}_rpc_method_handler")
        return factory(getattr(wrapped, kind), request_deserializer=safe,
                       response_serializer=handler.response_serializer)

    def _note(self, method: str, bad: MalformedRequest) -> None:
        with self._lock:
            self._unlogged += 1
            now = time.monotonic()
            if now - self._last_log < self._log_every:
                return
            count, self._unlogged, self._last_log = self._unlogged, 0, now
        log.warning("%d malformed request(s) answered INVALID_ARGUMENT (latest: %s, %s)", count,
                    method, type(bad.error).__name__)


def _checked(requests: Iterator, context: grpc.ServicerContext,
             refuse: Callable[[grpc.ServicerContext, MalformedRequest], None]) -> Iterator:
    for request in requests:
        if isinstance(request, MalformedRequest):
            refuse(context, request)
        yield request


def wrap_handler(handler: grpc.RpcMethodHandler,
                 wrap: Callable[[Callable], Callable]) -> grpc.RpcMethodHandler:
    """A copy of ``handler`` whose behaviour is ``wrap(behaviour)``."""
    if handler.request_streaming and handler.response_streaming:
        factory, behavior = grpc.stream_stream_rpc_method_handler, handler.stream_stream
    elif handler.request_streaming:
        factory, behavior = grpc.stream_unary_rpc_method_handler, handler.stream_unary
    elif handler.response_streaming:
        factory, behavior = grpc.unary_stream_rpc_method_handler, handler.unary_stream
    else:
        factory, behavior = grpc.unary_unary_rpc_method_handler, handler.unary_unary
    return factory(wrap(behavior), request_deserializer=handler.request_deserializer,
                   response_serializer=handler.response_serializer)
