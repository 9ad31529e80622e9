from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OffsetUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFSET_UNIT_UNSPECIFIED: _ClassVar[OffsetUnit]
    OFFSET_UNIT_CODE_POINT: _ClassVar[OffsetUnit]
    OFFSET_UNIT_UTF8_BYTE: _ClassVar[OffsetUnit]
    OFFSET_UNIT_UTF16_CODE_UNIT: _ClassVar[OffsetUnit]

class QuoteType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTE_TYPE_UNSPECIFIED: _ClassVar[QuoteType]
    QUOTE_TYPE_DIRECT: _ClassVar[QuoteType]
    QUOTE_TYPE_INDIRECT: _ClassVar[QuoteType]
    QUOTE_TYPE_MIXED: _ClassVar[QuoteType]

class SpeakerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEAKER_KIND_UNSPECIFIED: _ClassVar[SpeakerKind]
    SPEAKER_KIND_PERSON: _ClassVar[SpeakerKind]
    SPEAKER_KIND_ORGANIZATION: _ClassVar[SpeakerKind]
    SPEAKER_KIND_GROUP: _ClassVar[SpeakerKind]
    SPEAKER_KIND_UNKNOWN: _ClassVar[SpeakerKind]

class SpeakerResolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEAKER_RESOLUTION_UNSPECIFIED: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_MENTION: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_PRONOUN_ANTECEDENT: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_UNRESOLVED_PRONOUN: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_EARLIER_MENTION: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_RELATIVE_ANTECEDENT: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_PREVIOUS_SPEAKER: _ClassVar[SpeakerResolution]
    SPEAKER_RESOLUTION_SAME_MENTION: _ClassVar[SpeakerResolution]
OFFSET_UNIT_UNSPECIFIED: OffsetUnit
OFFSET_UNIT_CODE_POINT: OffsetUnit
OFFSET_UNIT_UTF8_BYTE: OffsetUnit
OFFSET_UNIT_UTF16_CODE_UNIT: OffsetUnit
QUOTE_TYPE_UNSPECIFIED: QuoteType
QUOTE_TYPE_DIRECT: QuoteType
QUOTE_TYPE_INDIRECT: QuoteType
QUOTE_TYPE_MIXED: QuoteType
SPEAKER_KIND_UNSPECIFIED: SpeakerKind
SPEAKER_KIND_PERSON: SpeakerKind
SPEAKER_KIND_ORGANIZATION: SpeakerKind
SPEAKER_KIND_GROUP: SpeakerKind
SPEAKER_KIND_UNKNOWN: SpeakerKind
SPEAKER_RESOLUTION_UNSPECIFIED: SpeakerResolution
SPEAKER_RESOLUTION_MENTION: SpeakerResolution
SPEAKER_RESOLUTION_PRONOUN_ANTECEDENT: SpeakerResolution
SPEAKER_RESOLUTION_UNRESOLVED_PRONOUN: SpeakerResolution
SPEAKER_RESOLUTION_EARLIER_MENTION: SpeakerResolution
SPEAKER_RESOLUTION_RELATIVE_ANTECEDENT: SpeakerResolution
SPEAKER_RESOLUTION_PREVIOUS_SPEAKER: SpeakerResolution
SPEAKER_RESOLUTION_SAME_MENTION: SpeakerResolution

class Document(_message.Message):
    __slots__ = ("id", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class Cue(_message.Message):
    __slots__ = ("text", "lemma", "span")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    text: str
    lemma: str
    span: Span
    def __init__(self, text: _Optional[str] = ..., lemma: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ...) -> None: ...

class QuoteSpeaker(_message.Message):
    __slots__ = ("name", "mention", "mention_span", "speaker_id", "resolution", "antecedent_span", "confidence", "title")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MENTION_FIELD_NUMBER: _ClassVar[int]
    MENTION_SPAN_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    ANTECEDENT_SPAN_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    mention: str
    mention_span: Span
    speaker_id: str
    resolution: SpeakerResolution
    antecedent_span: Span
    confidence: float
    title: str
    def __init__(self, name: _Optional[str] = ..., mention: _Optional[str] = ..., mention_span: _Optional[_Union[Span, _Mapping]] = ..., speaker_id: _Optional[str] = ..., resolution: _Optional[_Union[SpeakerResolution, str]] = ..., antecedent_span: _Optional[_Union[Span, _Mapping]] = ..., confidence: _Optional[float] = ..., title: _Optional[str] = ...) -> None: ...

class Quote(_message.Message):
    __slots__ = ("text", "span", "type", "speaker", "cue", "confidence", "sentence_index", "rule", "parts", "words")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    CUE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_INDEX_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    span: Span
    type: QuoteType
    speaker: QuoteSpeaker
    cue: Cue
    confidence: float
    sentence_index: int
    rule: str
    parts: _containers.RepeatedCompositeFieldContainer[Span]
    words: str
    def __init__(self, text: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ..., type: _Optional[_Union[QuoteType, str]] = ..., speaker: _Optional[_Union[QuoteSpeaker, _Mapping]] = ..., cue: _Optional[_Union[Cue, _Mapping]] = ..., confidence: _Optional[float] = ..., sentence_index: _Optional[int] = ..., rule: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[Span, _Mapping]]] = ..., words: _Optional[str] = ...) -> None: ...

class Speaker(_message.Message):
    __slots__ = ("speaker_id", "name", "kind", "mentions", "quote_count", "title")
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    QUOTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    speaker_id: str
    name: str
    kind: SpeakerKind
    mentions: _containers.RepeatedCompositeFieldContainer[Span]
    quote_count: int
    title: str
    def __init__(self, speaker_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[SpeakerKind, str]] = ..., mentions: _Optional[_Iterable[_Union[Span, _Mapping]]] = ..., quote_count: _Optional[int] = ..., title: _Optional[str] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("name", "version", "source")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    source: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ExtractQuotesRequest(_message.Message):
    __slots__ = ("document", "offset_unit")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_UNIT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    offset_unit: OffsetUnit
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., offset_unit: _Optional[_Union[OffsetUnit, str]] = ...) -> None: ...

class ExtractQuotesResponse(_message.Message):
    __slots__ = ("document_id", "quotes", "speakers", "model", "offset_unit")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OFFSET_UNIT_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    quotes: _containers.RepeatedCompositeFieldContainer[Quote]
    speakers: _containers.RepeatedCompositeFieldContainer[Speaker]
    model: ModelInfo
    offset_unit: OffsetUnit
    def __init__(self, document_id: _Optional[str] = ..., quotes: _Optional[_Iterable[_Union[Quote, _Mapping]]] = ..., speakers: _Optional[_Iterable[_Union[Speaker, _Mapping]]] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ..., offset_unit: _Optional[_Union[OffsetUnit, str]] = ...) -> None: ...

class BatchExtractQuotesRequest(_message.Message):
    __slots__ = ("documents", "offset_unit")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_UNIT_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    offset_unit: OffsetUnit
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., offset_unit: _Optional[_Union[OffsetUnit, str]] = ...) -> None: ...

class BatchExtractQuotesResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[ExtractQuotesResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[ExtractQuotesResponse, _Mapping]]] = ...) -> None: ...

class StreamExtractQuotesRequest(_message.Message):
    __slots__ = ("document", "offset_unit")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_UNIT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    offset_unit: OffsetUnit
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., offset_unit: _Optional[_Union[OffsetUnit, str]] = ...) -> None: ...

class StreamExtractQuotesResponse(_message.Message):
    __slots__ = ("document_id", "quotes", "speakers", "model", "offset_unit")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OFFSET_UNIT_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    quotes: _containers.RepeatedCompositeFieldContainer[Quote]
    speakers: _containers.RepeatedCompositeFieldContainer[Speaker]
    model: ModelInfo
    offset_unit: OffsetUnit
    def __init__(self, document_id: _Optional[str] = ..., quotes: _Optional[_Iterable[_Union[Quote, _Mapping]]] = ..., speakers: _Optional[_Iterable[_Union[Speaker, _Mapping]]] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ..., offset_unit: _Optional[_Union[OffsetUnit, str]] = ...) -> None: ...
