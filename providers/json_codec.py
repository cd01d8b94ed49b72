"""JSON encoders built once, for the encodings on every billed call's path.

`json.JSONEncoder.encode` builds its C encoder afresh on every call, with a dict of the
containers it is inside of (against cycles): about 10 k instructions of the 25 k a small
chat body costs to encode. These encoders are built once and give byte for byte what
`json.dumps` gives with the same arguments (tests/test_json_codec.py checks it).

Invariant: only for values parsed from JSON, or built from such values and our own
literals: they cannot hold a cycle, so none is looked for (a cycle would raise
RecursionError instead of ValueError). Without CPython's C encoder (another interpreter)
they fall back to `JSONEncoder.encode`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from json import encoder as stdlib_encoder

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
