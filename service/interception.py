"""Helpers for the server's interceptors: wrap a handler's behaviour, learn a call's final status.

The metrics interceptor and the access log both need to run code when a call starts, for each
response, and once when it ends, with the status it ends with, for unary and streaming handlers
alike (a stream may also end by gRPC closing it when the client goes). ``observed`` does that once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc

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
