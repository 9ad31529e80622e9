"""Helpers for the server's interceptors: wrap a handler's behaviour, learn a call's final status.

The metrics interceptor and the access log both need to run code when a call starts, for each
response, and once when it ends, with the status it ends with, for unary and streaming handlers
alike (a stream may also end by gRPC closing it when the client goes). ``observed`` does that once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc

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
