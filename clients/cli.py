"""``quotes``: command-line client of a QuoteService.

    quotes extract article.txt --target localhost:50051
    cat article.txt | quotes extract - --format json
    quotes extract --jsonl docs.jsonl --format json
    quotes health --target localhost:50051
    quotes eval shared/eval/soleimani-gold.jsonl --show-errors
    quotes eval shared/eval/soleimani-gold.jsonl --json-out report.json

Exit status: 0 on success; 1 on a gRPC error (one line on stderr with its status code), a
document that failed (``extract`` goes on with the others and ends with the count; a malformed
``--jsonl`` line is such a document), an unreadable input file, an unwritable ``--json-out``
file, or (``health``) a server that is not SERVING; 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TextIO

import grpc
from google.protobuf import json_format

from clients import batch_job
from clients.client import QuoteClient, describe_error, to_offset_unit
from clients.evaluation import PredictedQuote, evaluate, format_text, load_gold
from quotes.v1 import quote_service_pb2 as pb
from service.backfill.inputs import read_jsonl_line

DEFAULT_TARGET = os.environ.get("QUOTES_TARGET", "localhost:50051")
DEFAULT_BATCH = 16
SERVER_MAX_BATCH = 64  # the server's default --max-batch-size
SERVER_MAX_CALL_CHARS = 1_000_000  # the server's default --max-call-chars


class _InputError(Exception):
    """An input file cannot be read or parsed."""


def _client(args: argparse.Namespace) -> QuoteClient:
    return QuoteClient(args.target, timeout=args.timeout, tls=args.tls, ca=args.ca,
                       cert=args.cert, key=args.key, token=args.token)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--target", default=DEFAULT_TARGET, metavar="HOST:PORT",
                        help=f"server address (env QUOTES_TARGET; default: {DEFAULT_TARGET})")
    common.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="deadline of each call (default: none)")
    common.add_argument("--tls", action="store_true",
                        help="connect with TLS (implied by --ca or --cert)")
    common.add_argument("--ca", metavar="FILE", help="CA certificate (PEM) to trust for the server")
    common.add_argument("--cert", metavar="FILE",
                        help="client certificate (PEM), for servers that require mTLS")
    common.add_argument("--key", metavar="FILE", help="private key of --cert (PEM)")
    common.add_argument("--token", default=os.environ.get("QUOTES_TOKEN"), metavar="TOKEN",
                        help="bearer token for servers that require one (env QUOTES_TOKEN; "
                             "prefer the env variable: flags show in process lists)")

    parser = argparse.ArgumentParser(prog="quotes", description="Client of the quote-attribution "
                                     "gRPC service (quotes.v1.QuoteService).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = commands.add_parser(
        "extract", parents=[common], help="find the quotes of documents",
        description="Find the quotes of each document: each FILE is one document (its id is the "
                    "file name; '-' is standard input, the default when neither FILE nor --jsonl "
                    "is given).")
    extract.add_argument("files", nargs="*", metavar="FILE", help="text file, or - for stdin")
    extract.add_argument("--jsonl", metavar="FILE", help='also read documents from a JSONL file, '
                         'one {"id": ..., "text": ...} a line (other keys are ignored; a line '
                         "that is not such an object gets an error record with its FILE:LINE "
                         "and the run goes on)")
    extract.add_argument("--format", choices=("text", "json"), default="text",
                         help="text: one block per quote, the speaker's words as written "
                              "(a split quote's parts joined by a space, without the "
                              "attribution; direct quotes in one pair of straight double "
                              "quotes, nothing else converted); json: one line per document, "
                              "the protobuf JSON mapping of ExtractQuotesResponse, every field "
                              "present (parts and words included) (default: text)")
    extract.add_argument("--offset-unit", default="code_point",
                         choices=("code_point", "utf8_byte", "utf16_code_unit"),
                         help="unit of the offsets in the output (default: code_point)")
    extract.add_argument("--batch-size", type=_positive, default=DEFAULT_BATCH, metavar="N",
                         help=f"documents per call (default: {DEFAULT_BATCH}; at most "
                              f"--server-max-batch)")
    extract.add_argument("--server-max-batch", type=_positive, default=SERVER_MAX_BATCH,
                         metavar="N", help="the server's --max-batch-size, to check --batch-size "
                                           f"before sending (default: {SERVER_MAX_BATCH})")
    extract.add_argument("--server-max-call-chars", type=_positive, default=SERVER_MAX_CALL_CHARS,
                         metavar="N", help="the server's --max-call-chars: calls are cut to stay "
                                           f"under it (default: {SERVER_MAX_CALL_CHARS})")
    extract.add_argument("--in-flight", type=_positive, default=4, metavar="N",
                         help="batch calls in flight at once (default: 4)")
    extract.add_argument("--output", metavar="FILE",
                         help="append results (one JSON line per document, errors as "
                              '{"id", "origin", "error"} records) to FILE instead of stdout')
    extract.add_argument("--resume", action="store_true",
                         help="with --output: skip the documents whose ids FILE already holds")

    health = commands.add_parser(
        "health", parents=[common], help="ask whether the server is serving",
        description="Print the server's health status; exit 0 only when SERVING.")
    health.add_argument("--service", default="",
                        help='service to ask about (default: "", the whole server)')

    evaluation = commands.add_parser(
        "eval", parents=[common], help="score the server against gold annotations",
        description="Send each gold document to the server (in batches) and score the quotes it "
                    "finds as described in shared/eval/README.md; also exact and token-overlap "
                    "figures for content, speaker and cue, the share of matched quotes whose "
                    "parts (the speaker's words without the attribution) equal the gold's where "
                    "a gold quote gives \"parts\", and calibration (ECE and reliability tables "
                    "for quote and, when the server sends one, speaker confidence), as defined "
                    "in clients/evaluation.py.")
    evaluation.add_argument("gold", metavar="GOLD.jsonl", help="gold annotations, one document "
                            'a line: {"id", "text", "quotes": [...]}')
    evaluation.add_argument("--format", choices=("text", "json"), default="text",
                            help="text: a table; json: one object (default: text)")
    evaluation.add_argument("--show-errors", action="store_true",
                            help="list missed, spurious and wrongly attributed quotes")
    evaluation.add_argument("--batch-size", type=_positive, default=DEFAULT_BATCH, metavar="N",
                            help=f"documents per call (default: {DEFAULT_BATCH})")
    evaluation.add_argument("--json-out", metavar="FILE",
                            help="also write the report as JSON, errors included, to FILE (one "
                                 "run of the server gives both the printed report and FILE)")
    _add_batch(commands)
    return parser


def _add_batch(commands) -> None:
    """``quotes batch``: the pipeline in this process or on Ray, no server (service/backfill)."""
    batch = commands.add_parser(
        "batch", help="backfill an archive: JSONL or Parquet in, a Parquet dataset out",
        description="Find the quotes of every document of INPUT files (JSONL: one "
                    '{"id": ..., "text": ...} a line, read as `extract --jsonl` reads them; '
                    "Parquet: see --text-column, --id-column; files or globs) with the server's "
                    "pipeline and defaults, in this process or on Ray, and write a Parquet "
                    "dataset to --output: one row per document (id, origin, quotes with the "
                    "fields of the proto's Quote, speakers, model, error), one part file per "
                    "shard, plus _manifest.json, _done/ and _summary.json. A document that "
                    "cannot be done (a malformed line, empty, over --max-document-chars) is one "
                    "row with its error; the job goes on. Needs the batch extra "
                    '(pip install -e ".[batch]"). Exit status: 0 when every shard is complete '
                    "(error rows included), 1 otherwise or on an input error.")
    batch.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="JSONL or Parquet (.parquet, .pq) file, or a glob of them")
    batch.add_argument("--output", required=True, metavar="DIR",
                       help="dataset folder to write (empty or new, or a stopped run's with "
                            "--resume)")
    batch.add_argument("--resume", action="store_true",
                       help="finish a stopped run in --output: skip the shards it completed "
                            "(the same inputs and --shard-size)")
    batch.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: this process, one pipeline; ray: Ray Data, one pipeline per "
                            "actor (default: local)")
    batch.add_argument("--address", metavar="ADDRESS",
                       help="ray: a running Ray cluster (auto inside one; default: start a "
                            "local Ray with this machine's CPUs)")
    batch.add_argument("--workers", type=_positive, metavar="N",
                       help="ray: actors, each loading its models once (default: the cluster's "
                            "or this machine's CPUs / --cpus-per-worker)")
    batch.add_argument("--cpus-per-worker", type=float, metavar="C",
                       help="ray: CPUs each actor reserves (default: --torch-threads x "
                            "--parallel-batches)")
    batch.add_argument("--text-column", default="text", metavar="NAME",
                       help="Parquet: the column holding the text (default: text)")
    batch.add_argument("--id-column", default="id", metavar="NAME",
                       help="Parquet: the column holding the id (default: id; a null id, or "
                            "'' for none, gives the row number)")
    batch.add_argument("--shard-size", type=_positive, default=1000, metavar="N",
                       help="lines or rows per shard, the unit of work, output and --resume "
                            "(default: 1000)")
    batch.add_argument("--torch-threads", type=_positive, default=1, metavar="N",
                       help="as the server's: CPU threads each batch is parsed with (default: 1)")
    batch.add_argument("--parallel-batches", type=_positive, default=2, metavar="N",
                       help="as the server's: batches one worker parses at once (default: 2)")
    batch.add_argument("--parse-precision", choices=("auto", "float32", "bfloat16"),
                       default="auto", help="as the server's (default: auto)")
    batch.add_argument("--quote-scorer", default="bundled", metavar="SCORER",
                       help="as the server's: bundled, off or a model file (default: bundled)")
    batch.add_argument("--official-models-dir", metavar="DIR",
                       help="as the server's: Stanza's official English models")
    batch.add_argument("--max-document-chars", type=_positive, default=100_000, metavar="N",
                       help="longer documents are error rows (TOO_LONG), as the server's "
                            "(default: 100000)")
    batch.add_argument("--max-shards", type=_positive, help=argparse.SUPPRESS)  # tests: stop early


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "batch":
        return _batch(args)
    command = {"extract": _extract, "health": _health, "eval": _eval}[args.command]
    try:
        return command(args)
    except grpc.RpcError as error:
        print(f"quotes {args.command}: error: {describe_error(error)}", file=sys.stderr)
        if error.code() == grpc.StatusCode.UNAVAILABLE:
            print(f"quotes {args.command}: is `quotes-server` running at {args.target}?",
                  file=sys.stderr)
        return 1
    except _InputError as error:
        print(f"quotes {args.command}: error: {error}", file=sys.stderr)
        return 1


# --- extract ---------------------------------------------------------------------------------

def _read_documents(files: Sequence[str], jsonl: str | None) -> list[batch_job.Item]:
    documents = []
    if not files and not jsonl:
        files = ["-"]
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as exc:
            raise _InputError(f"cannot read {name}: {exc}") from None
        documents.append(batch_job.Item(
            pb.Document(id="stdin" if name == "-" else name, text=text), name))
    if jsonl:
        try:
            with open(jsonl, "rb") as lines:
                for number, raw in enumerate(lines, 1):
                    documents.extend(_jsonl_item(raw, f"{jsonl}:{number}", number))
        except OSError as exc:
            raise _InputError(f"cannot read {jsonl}: {exc}") from None
    return documents


def _jsonl_item(raw: bytes, origin: str, number: int) -> list[batch_job.Item]:
    """The document of one JSONL line ([] for a blank line), read as ``quotes batch`` reads it
    (``service.backfill.inputs.read_jsonl_line``). A line that is no document is an invalid item
    (error record, not sent): it costs only itself."""
    document = read_jsonl_line(raw, origin, number)
    if document is None:
        return []
    return [batch_job.Item(pb.Document(id=document.id, text=document.text), origin,
                           invalid=document.invalid)]


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _open_for_append(path: str) -> TextIO:
    """``path`` to append to, starting on a new line if a stopped run left one cut short."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            cut = f.tell() > 0 and (f.seek(-1, 2) or f.read(1)) != b"\n"
    except FileNotFoundError:
        cut = False
    out = open(path, "a", encoding="utf-8")
    if cut:
        out.write("\n")
    return out


def _extract(args: argparse.Namespace) -> int:
    if args.batch_size > args.server_max_batch:
        raise _InputError(f"--batch-size {args.batch_size} is above the server's limit of "
                          f"{args.server_max_batch} documents a call (--server-max-batch)")
    if args.resume and not args.output:
        raise _InputError("--resume needs --output FILE (the results already written)")
    items = _read_documents(args.files, args.jsonl)
    if args.resume:
        done = batch_job.done_ids(args.output)
        skipped = len(items)
        items = [item for item in items if item.document.id not in done]
        skipped -= len(items)
        if skipped:
            print(f"quotes extract: resuming: {skipped} documents already in {args.output}",
                  file=sys.stderr)
    out = _open_for_append(args.output) if args.output else sys.stdout
    as_json = args.format == "json" or bool(args.output)

    def write(outcome: batch_job.Outcome) -> None:
        if outcome.response is None:
            record = batch_job.error_record(outcome)
            print(f"quotes extract: {record['id']} ({record['origin']}): "
                  f"{record['error']['message']}", file=sys.stderr)
            if as_json:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif as_json:
            out.write(to_json(outcome.response) + "\n")
        else:
            write_text(outcome.response, out)
        out.flush()

    progress = batch_job.Progress(len(items), sys.stderr)
    try:
        with _client(args) as client:
            ok, failed, unreachable = batch_job.run(client, items, batch_size=args.batch_size,
                                       in_flight=args.in_flight, unit=args.offset_unit,
                                       write=write, progress=progress,
                                       max_call_chars=args.server_max_call_chars)
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
    if unreachable:
        print(f"quotes extract: the server did not answer; is `quotes-server` running at "
              f"{args.target}?", file=sys.stderr)
        return 1
    if failed:
        print(f"quotes extract: {failed} of {ok + failed} documents failed (see above)",
              file=sys.stderr)
        return 1
    return 0


def to_json(response: pb.ExtractQuotesResponse) -> str:
    """One line: the protobuf JSON mapping, proto field names, every field present."""
    return json.dumps(json_format.MessageToDict(response, preserving_proto_field_name=True,
                                                always_print_fields_with_no_presence=True),
                      ensure_ascii=False)


def _type_name(value: int) -> str:
    return pb.QuoteType.Name(value).removeprefix("QUOTE_TYPE_").lower()


# Double quotation marks that open or close a quotation; a straight one does either.
_OPENING_MARKS = "\u201c\u201e\u00ab"  # “ „ «
_CLOSING_MARKS = "\u201d\u00bb"  # ” »


def quote_parts(text: str, quote_type: str) -> list[str]:
    """The parts of a quote from a server that sends no ``Quote.words`` (one that predates it),
    read off the double quote marks inside its text, each on one line.

    Such a server gives a split quote ("X," he said, "Y") only as one span from X's start to Y's
    end, so its text holds the attribution. For direct quotes the parts are read off the marks
    (the text starts inside the quotation): what lies between a closing mark and the next opening
    one is left out (the attribution, or words between two quoted pieces), an opening mark met
    inside the quotation (a new paragraph of the same quotation) starts a new part, and text
    after a last closing mark stays as a part of its own. Indirect and mixed quotes are one part
    with their marks: quoted words are part of what they report.
    """
    if quote_type != "direct":
        pieces = [text]
    else:
        pieces, start, inside = [], 0, True
        for index, char in enumerate(text):
            if char in _OPENING_MARKS or (char == '"' and not inside):
                if inside:
                    pieces.append(text[start:index])
                start, inside = index + 1, True
            elif (char in _CLOSING_MARKS or char == '"') and inside:
                pieces.append(text[start:index])
                start, inside = index + 1, False
        pieces.append(text[start:])
    parts = (_one_line(piece) for piece in pieces)
    return [part for part in parts if part]


def quote_words(quote: pb.Quote) -> str:
    """What the text display prints for a quote: the speaker's words as written (``words``, the
    parts joined by one space, so a split quote without its attribution), on one line.

    No character is converted (quote marks and apostrophes stay as the source has them); only
    whitespace runs, line breaks included, become one space and other control characters are
    dropped, so a quote is one line and nothing in the document can drive the terminal. From a
    server without ``words``, the parts ``quote_parts`` reads off the text, joined by a space.
    """
    if quote.words:
        return _one_line(quote.words)
    return " ".join(quote_parts(quote.text, _type_name(quote.type)))


def _one_line(text: str) -> str:
    printable = "".join(char for char in text
                        if char.isspace() or unicodedata.category(char) != "Cc")
    return " ".join(printable.split())


def write_text(response: pb.ExtractQuotesResponse, out: TextIO) -> None:
    count = len(response.quotes)
    out.write(f"== {response.document_id or '(no id)'}: {count} quote{'s' * (count != 1)}\n")
    for quote in response.quotes:
        quote_type = _type_name(quote.type)
        words = quote_words(quote)
        if not words:
            words = "(empty)"
        elif quote_type == "direct":
            words = f'"{words}"'  # one pair of plain marks; the words inside as written
        out.write(f"\n{words}\n")
        out.write(f"  type:    {quote_type}  [{quote.span.start}, {quote.span.end})"
                  f"  confidence {quote.confidence:.2f}\n")
        if len(quote.parts) > 1:
            spans = " ".join(f"[{part.start}, {part.end})" for part in quote.parts)
            out.write(f"  parts:   {spans}\n")
        if quote.HasField("speaker"):
            speaker = quote.speaker
            said_by = speaker.name or speaker.mention
            if speaker.mention and speaker.mention != speaker.name:
                said_by += f' (as "{speaker.mention}")'
            out.write(f"  speaker: {said_by}\n")
        else:
            out.write("  speaker: (none found)\n")
        if quote.HasField("cue"):
            cue = quote.cue
            lemma = f" ({cue.lemma})" if cue.lemma and cue.lemma != cue.text else ""
            out.write(f"  cue:     {cue.text}{lemma}\n")
        else:
            out.write("  cue:     (none)\n")
    out.write("\n")


# --- batch -----------------------------------------------------------------------------------

def _batch(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [name for name in ("pyarrow", *(("ray",) if args.engine == "ray" else ()))
               if importlib.util.find_spec(name) is None]
    if missing:
        print(f"quotes batch: error: {' and '.join(missing)} not installed; install the batch "
              'extra: pip install -e ".[batch]" (or "quote-attribution-service[batch]")',
              file=sys.stderr)
        return 1
    from service.backfill import engines, inputs, job

    options = job.JobOptions(
        patterns=args.inputs, output=args.output, engine=args.engine, resume=args.resume,
        text_column=args.text_column, id_column=args.id_column or None,
        shard_size=args.shard_size, address=args.address, workers=args.workers,
        cpus_per_worker=args.cpus_per_worker, torch_threads=args.torch_threads,
        parallel_batches=args.parallel_batches, parse_precision=args.parse_precision,
        quote_scorer=args.quote_scorer, official_models_dir=args.official_models_dir,
        max_document_chars=args.max_document_chars, max_shards=args.max_shards)
    try:
        summary = job.run_job(options, progress=sys.stderr)
    except inputs.InputError as error:
        print(f"quotes batch: error: {error}", file=sys.stderr)
        return 1
    except engines.ShardFailed as error:
        print(f"quotes batch: error: {error}; the complete shards stay in {args.output}: run the "
              "same command with --resume to do the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nquotes batch: stopped; the complete shards stay in {args.output}: run the "
              "same command with --resume to do the rest", file=sys.stderr)
        return 130
    print(job.format_summary(summary), file=sys.stderr)
    return 0 if summary["complete"] else 1


# --- health ----------------------------------------------------------------------------------

def _health(args: argparse.Namespace) -> int:
    with _client(args) as client:
        status = client.health(args.service)
    print(status)
    return 0 if status == "SERVING" else 1


# --- eval ------------------------------------------------------------------------------------

def predicted_quotes(response: pb.ExtractQuotesResponse) -> list[PredictedQuote]:
    """A response (offsets in code points) as the evaluation's plain predictions."""
    quotes = []
    for quote in response.quotes:
        speaker = quote.speaker
        mention_span = ((speaker.mention_span.start, speaker.mention_span.end)
                        if quote.HasField("speaker") and speaker.HasField("mention_span") else None)
        quotes.append(PredictedQuote(
            type=_type_name(quote.type), span=(quote.span.start, quote.span.end), text=quote.text,
            speaker_name=speaker.name, speaker_mention=speaker.mention, mention_span=mention_span,
            cue=quote.cue.text, confidence=quote.confidence, rule=quote.rule,
            speaker_confidence=speaker_confidence(quote),
            # None from a server without Quote.parts: the evaluation takes the span as the part
            parts=tuple((part.start, part.end) for part in quote.parts) or None))
    return quotes


def speaker_confidence(quote: pb.Quote) -> float | None:
    """The quote's ``speaker.confidence``; None when there is no speaker or the field is unknown.

    Read by name so this client works with protos from before the field existed; if the field
    tracks presence (``optional``), an unset one is None too.
    """
    if not quote.HasField("speaker"):
        return None
    speaker = quote.speaker
    confidence = speaker.DESCRIPTOR.fields_by_name.get("confidence")
    if confidence is None:
        return None
    if confidence.has_presence and not speaker.HasField("confidence"):
        return None
    return float(getattr(speaker, "confidence"))


def _eval(args: argparse.Namespace) -> int:
    try:
        gold = load_gold(args.gold)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _InputError(str(exc)) from None
    pairs: list = []
    with _client(args) as client:
        for batch in _batches(gold, args.batch_size):
            responses = client.extract_batch(
                [pb.Document(id=doc.id, text=doc.text) for doc in batch],
                offset_unit=to_offset_unit("code_point"))  # gold offsets are code points
            pairs.extend(zip(batch, (predicted_quotes(r) for r in responses)))
    report = evaluate(pairs)
    if args.json_out:
        try:
            with open(args.json_out, "w", encoding="utf-8") as out:
                json.dump(report.to_dict(errors=True), out, ensure_ascii=False)
                out.write("\n")
        except OSError as exc:
            raise _InputError(f"cannot write {args.json_out}: {exc}") from None
    if args.format == "json":
        print(json.dumps(report.to_dict(errors=args.show_errors), ensure_ascii=False))
    else:
        print(format_text(report, show_errors=args.show_errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
