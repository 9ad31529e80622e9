"""Cross-call batching (service/batching.py) over real gRPC with the real models: concurrent calls
share batches, get the answers they get alone, and leave the queue when their callers go."""

from __future__ import annotations

import threading
import time
from concurrent import futures

import grpc
import pytest

from clients.client import QuoteClient
from conftest import TEXT, sample, scrape, wait_until
from quotes.v1 import quote_service_pb2 as pb
from service.batching import Batcher, Ticket, WorkDropped
from service.metrics import Metrics

ARTICLES = [
    TEXT,
    'Protesters gathered outside the embassy.\n\n"This is a tragedy," said Maria Lopez, a local '
    'teacher.',
    'The minister said on Monday that the talks would resume next week. "We are close," she told '
    'reporters.',
    'According to the company, sales rose by 4 percent. Analysts said the figure was '
    '"better than feared."',
    '"Nobody wanted this strike," union leader Tom Baker said. He added that the workers would '
    'return on Friday.',
    'Police said two people were arrested. A witness, John Reyes, said he heard "a loud bang" '
    'before the crowd ran.',
]


def _answers(responses) -> list:
    return [[(q.text, q.span.start, q.span.end, q.type, q.speaker.name, q.speaker.mention,
              q.cue.text, round(q.confidence, 6)) for q in r.quotes] for r in responses]


def test_concurrent_calls_share_batches_and_get_their_own_answers(make_server, parser):
    srv = make_server(max_queued_documents=16)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=60) as client:
        alone = [client.extract(text, id=str(i)) for i, text in enumerate(ARTICLES)]
    parses_before = sample(scrape(srv), "quotes_batch_size_count")
    with QuoteClient(target, timeout=60) as client, \
            futures.ThreadPoolExecutor(len(ARTICLES)) as pool:
        with parser.exclusive():  # the calls arrive while the parser is busy: they wait together
            pending = [pool.submit(client.extract, text, id=str(i))
                       for i, text in enumerate(ARTICLES)]
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents")
                              == len(ARTICLES))
        together = [f.result(timeout=60) for f in pending]
    assert _answers(together) == _answers(alone)
    assert [r.document_id for r in together] == [str(i) for i in range(len(ARTICLES))]
    exposition = scrape(srv)
    parses = sample(exposition, "quotes_batch_size_count") - parses_before
    # Six calls, parsed one by one, would take six parses; together they take one batch per
    # batcher thread (they share what is queued), and one more if the first arrival was taken
    # alone before the others came.
    assert 1 <= parses <= parser.parallel_batches + 1, parses
    assert sample(exposition, "quotes_queue_wait_seconds_count") >= 2 * len(ARTICLES)
    assert sample(exposition, "quotes_queue_documents") == 0


def test_cancelled_and_expired_calls_leave_the_queue_unparsed(make_server, parser):
    srv = make_server(max_queued_documents=16, max_batch_delay_ms=0)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=60) as client:
        alone = client.extract(ARTICLES[1])
        documents_before = sample(scrape(srv), "quotes_documents_processed_total")
        taken_before = sample(scrape(srv), "quotes_queue_wait_seconds_count")
        lanes = parser.parallel_batches
        with parser.exclusive():
            # Batch calls hold the parser's next batches (one per batcher thread); behind them:
            # one call that will be cancelled, one whose deadline passes, one that waits normally.
            blockers = []
            for n in range(lanes):
                blockers.append(client._stub.BatchExtractQuotes.future(
                    _batch_request([ARTICLES[0]]), timeout=60))
                assert wait_until(lambda: sample(scrape(srv), "quotes_queue_wait_seconds_count")
                                  == taken_before + n + 1)  # in a batch waiting for the parser
            cancelled = client._stub.ExtractQuotes.future(_request(ARTICLES[2]), timeout=60)
            expiring = client._stub.ExtractQuotes.future(_request(ARTICLES[3]), timeout=1.0)
            normal = client._stub.ExtractQuotes.future(_request(ARTICLES[1]), timeout=60)
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == lanes + 3)
            cancelled.cancel()
            with pytest.raises(grpc.RpcError) as expired:
                expiring.result(timeout=30)
            # Both left the queue while the parser was still busy: their slots are free.
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == lanes + 1)
        assert all(blocker.result(timeout=60).responses for blocker in blockers)
        assert _answers([normal.result(timeout=60)]) == _answers([alone])
    assert expired.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    exposition = scrape(srv)
    assert sample(exposition, "quotes_documents_processed_total") - documents_before == lanes + 1
    dropped = {reason: sample(exposition, "quotes_work_dropped_total", reason=reason)
               for reason in ("cancelled", "deadline")}
    assert dropped == {"cancelled": 1, "deadline": 1}
    assert sample(exposition, "quotes_queue_documents") == 0


def test_stream_messages_share_batches_and_keep_their_order(make_server, parser):
    srv = make_server(max_queued_documents=32)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=60) as client:
        alone = [client.extract(text) for text in ARTICLES]
        parses_before = sample(scrape(srv), "quotes_batch_size_count")
        with parser.exclusive():
            stream = client.stream([(f"s{i}", text) for i, text in enumerate(ARTICLES)])
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents")
                              == len(ARTICLES))
        streamed = list(stream)
    assert [r.document_id for r in streamed] == [f"s{i}" for i in range(len(ARTICLES))]
    assert _answers(streamed) == _answers(alone)
    # one batch per batcher thread, and one more if the first message was taken alone
    assert sample(scrape(srv), "quotes_batch_size_count") - parses_before \
        <= parser.parallel_batches + 1


def test_long_documents_are_parsed_in_pieces_beside_short_ones(parser):
    """A long document does not hold the parser until it is done: a short one that arrives
    after it is answered first, and the long one's pieces join into its whole parse."""
    long_text = "\n\n".join(ARTICLES * 6)
    [whole] = parser.parse([long_text])
    metrics = Metrics()
    batcher = Batcher(parser, metrics, max_batch_words=120, max_delay=0.0)
    try:
        finished: list[str] = []
        with parser.exclusive():
            long_ticket = batcher.submit([long_text], lambda: None)
            short_ticket = batcher.submit([ARTICLES[1]], lambda: None)

        def drain(name, ticket):
            parsed = [doc for _index, doc in ticket.results(time.monotonic() + 60)]
            finished.append(name)
            return parsed

        with futures.ThreadPoolExecutor(2) as pool:
            long_parts = pool.submit(drain, "long", long_ticket)
            pool.submit(drain, "short", short_ticket).result(timeout=60)
            [joined] = long_parts.result(timeout=60)
    finally:
        batcher.close(10)
    assert finished == ["short", "long"]
    pieces = len(parser.segment(long_text, batcher._piece_words))
    assert pieces > 3
    alone = whole
    assert [(w.text, w.upos, w.lemma, w.head, w.deprel, w.start, w.sentence) for w in joined.words] \
        == [(w.text, w.upos, w.lemma, w.head, w.deprel, w.start, w.sentence) for w in alone.words]
    batches = metrics.registry.get_sample_value("quotes_batch_words_count")
    words = metrics.registry.get_sample_value("quotes_batch_words_sum")
    [short] = parser.parse([ARTICLES[1]])
    assert words == len(joined.words) + len(short.words)  # every word parsed once
    assert batches >= words / 120


def test_closing_drops_queued_work(parser):
    batcher = Batcher(parser, Metrics(), max_delay=0.0)
    with parser.exclusive():
        running = []
        for _ in range(batcher.threads):  # each batcher thread holds a (blocked) batch
            running.append(batcher.submit([ARTICLES[0]], lambda: None))
            assert wait_until(lambda: not batcher._queue)
        queued = batcher.submit([ARTICLES[1]], lambda: None)
        closer = threading.Thread(target=batcher.close, args=(30,))
        closer.start()
        with pytest.raises(WorkDropped) as dropped:
            list(queued.results(time.monotonic() + 30))
    closer.join(30)
    assert dropped.value.reason == "shutdown"
    assert all(len(list(ticket.results(time.monotonic() + 30))) == 1  # running batches end
               for ticket in running)
    with pytest.raises(WorkDropped):
        batcher.submit([ARTICLES[2]], lambda: None)


def test_a_ticket_is_completed_through_its_public_api():
    withdrawn = []
    ticket = Ticket(2, lambda: None, withdrawn.append)
    ticket.deliver(1, "second")
    assert not ticket.done()
    ticket.deliver(0, "first")
    assert ticket.done() and ticket.error is None and not ticket.fail(RuntimeError("late"))
    assert list(ticket.results(time.monotonic() + 1)) == [(1, "second"), (0, "first")]

    failed = Ticket(2, lambda: None, withdrawn.append)
    failed.deliver(0, "first")
    assert failed.fail(RuntimeError("parse failed")) and failed.done() and failed.dropped
    failed.deliver(1, "ignored")
    with pytest.raises(RuntimeError, match="parse failed"):
        list(failed.results())
    failed.cancel()
    assert withdrawn == []  # already ended: nothing left to withdraw

    cancelled = Ticket(1, lambda: None, withdrawn.append)
    cancelled.cancel("deadline")
    assert withdrawn == [cancelled] and cancelled.error.reason == "deadline"


def test_a_failing_finishing_stage_fails_its_call_alone(parser):
    # The finishing stage is given once, at construction; here it fails on one article only.
    def finish(parsed):
        if parsed.text == ARTICLES[0]:
            raise ValueError("finishing failed")
        return len(parsed.words)

    batcher = Batcher(parser, Metrics(), max_delay=0.0, finish=finish)
    try:
        failing = batcher.submit([ARTICLES[0]], lambda: None)
        fine = batcher.submit([ARTICLES[1]], lambda: None)
        with pytest.raises(ValueError, match="finishing failed"):
            list(failing.results(time.monotonic() + 30))
        [(index, words)] = list(fine.results(time.monotonic() + 30))
        assert index == 0 and words > 0
    finally:
        batcher.close(30)


def _request(text: str):
    return pb.ExtractQuotesRequest(document=pb.Document(text=text))


def _batch_request(texts: list[str]):
    return pb.BatchExtractQuotesRequest(documents=[pb.Document(text=t) for t in texts])


def test_cancelled_long_calls_free_the_server_at_once(make_server):
    """Cancelled work is dropped before it is parsed: a call after cancelling several long ones
    waits at most for the batch already running, not for the cancelled work."""
    srv = make_server(max_queued_documents=16, max_batch_words=1500, max_document_chars=200_000)
    long_text = "\n\n".join(ARTICLES * 40)  # about 6,000 words: several batches each
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=120) as client:
        calls = [client._stub.BatchExtractQuotes.future(_batch_request([long_text] * 2), timeout=120)
                 for _ in range(4)]
        assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 8)
        for call in calls:
            call.cancel()
        started = time.monotonic()
        assert client.extract(ARTICLES[1]).quotes
        waited = time.monotonic() - started
        assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 0)
    exposition = scrape(srv)
    assert sample(exposition, "quotes_work_dropped_total", reason="cancelled") == 8
    # Parsing the cancelled work would take tens of seconds here (48,000 words); the call
    # waited only for the batch that was running when the cancels arrived.
    assert waited < 15, waited
    assert sample(exposition, "quotes_batch_words_sum") < 10_000


def test_a_cancelled_stream_frees_its_handler(make_server):
    """A stream cancelled while the server waits for its next message ends on the server too
    (the handler does not wait for a message that will never come)."""
    srv = make_server()
    more = threading.Event()

    def messages():
        yield pb.StreamExtractQuotesRequest(document=pb.Document(id="a", text=ARTICLES[0]))
        more.wait(30)  # the client sends nothing more until the test ends

    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        stream = client._stub.StreamExtractQuotes(messages(), timeout=60)
        assert next(stream).document_id == "a"
        stream.cancel()
    try:
        assert srv.stop(grace=1).wait(15), "a handler is still waiting for the cancelled stream"
    finally:
        more.set()
