"""JSON encoders built once, and a decoder without `json.loads`'s wrapping, for the hot path.

`json.JSONEncoder.encode` builds its C encoder afresh on every call, with a dict of the
containers it is inside of (against cycles): about 10 k instructions of the 25 k a small
chat body costs to encode. These encoders are built once and give byte for byte what
`json.dumps` gives with the same arguments (tests/test_json_codec.py checks it).

Invariant: only for values parsed from JSON, or built from such values and our own
literals: they cannot hold a cycle, so none is looked for (a cycle would raise
RecursionError instead of ValueError). Without CPython's C encoder (another interpreter)
they fall back to `JSONEncoder.encode`.

`loads` gives what `json.loads` gives, or raises what it raises: it runs the C scanner
directly on UTF-8 text, and hands anything else (another encoding, a byte order mark,
malformed text) to `json.loads` itself. `json.loads` of a small document spends about as
much in Python around the scanner (the encoding's detection, the decode, two regular
expressions) as in it: 14 k of the 38 k instructions a stream's usage event costs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from json import encoder as stdlib_encoder
from typing import Any

Encode = Callable[[object], str]
#: `_json.make_encoder(markers, default, encoder, indent, key_separator, item_separator,
#: sort_keys, skipkeys, allow_nan)`; its encoder gives the chunks of a value's text.
MakeEncoder = Callable[..., Callable[[object, int], Sequence[str]]]


def built_once(*, ensure_ascii: bool, separators: tuple[str, str]) -> Encode:
    """`json.dumps(value, ensure_ascii=..., separators=...)`, with the encoder built once."""
    plain = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=separators)
    # What `json.encoder` itself builds its encoder with (None without CPython's `_json`).
    make: MakeEncoder | None = getattr(stdlib_encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover (CPython has it)
        return plain.encode
    if ensure_ascii:
        strings = stdlib_encoder.encode_basestring_ascii
    else:
        strings = stdlib_encoder.encode_basestring
    item_separator, key_separator = separators
    # markers (None: no cycle check), default, strings, indent, key_separator,
    # item_separator, sort_keys, skipkeys, allow_nan: as `JSONEncoder.iterencode` passes.
    chunks_of = make(
        None, plain.default, strings, None, key_separator, item_separator, False, False, True
    )

    def encode(value: object) -> str:
        return "".join(chunks_of(value, 0))

    return encode


#: `json.dumps(value)`: what providers are sent (ASCII, a lone surrogate escaped).
dumps = built_once(ensure_ascii=True, separators=(", ", ": "))
#: `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`: the shortest text.
compact = built_once(ensure_ascii=False, separators=(",", ":"))


#: JSON's own whitespace (RFC 8259), all that may follow a document.
_WHITESPACE = " \t\n\r"
#: `json.loads`'s own scanner (the C one where there is one), which `JSONDecoder.__init__`
#: keeps on the instance: the value at an index of a text and the index after it;
#: StopIteration when no value starts there.
_scan_once: Callable[[str, int], tuple[Any, int]] = vars(json.JSONDecoder())["scan_once"]


def loads(data: bytes | str) -> Any:
    """`json.loads(data)`: the same value, or the same error (a `ValueError`)."""
    try:
        text = data.decode() if isinstance(data, bytes) else data
        if text[:1] in ("{", "["):  # ours are objects; anything else goes the long way
            value, end = _scan_once(text, 0)
            if end == len(text) or not text[end:].strip(_WHITESPACE):
                return value
    except (ValueError, StopIteration):  # not UTF-8, or malformed: json.loads says why
        pass
    return json.loads(data)
