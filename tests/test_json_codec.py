"""The encoders built once give what `json.dumps` gives, for anything JSON can hold, and
`loads` gives what `json.loads` gives (or fails as it fails) for any text or bytes."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.json_codec import compact, dumps, loads

#: What `json.loads` can return: every scalar (lone surrogates, NaN and the infinities
#: included, as Python's parser accepts them), nested in lists and objects.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_dumps_is_json_dumps(value: object) -> None:
    assert dumps(value) == json.dumps(value)


@given(JSON_VALUES)
def test_compact_is_the_compact_utf8_dumps(value: object) -> None:
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("encode", [dumps, compact])
def test_what_json_cannot_hold_is_refused_as_json_dumps_refuses_it(
    encode: Callable[[object], str],
) -> None:
    with pytest.raises(TypeError, match="is not JSON serializable"):
        encode({"when": object()})


def _outcome(parse: Callable[[bytes | str], object], data: bytes | str) -> tuple[str, str]:
    """What `parse` made of `data`, comparable across parsers: the value as JSON text
    (NaN equals itself there), or the error's type and message."""
    try:
        return "value", json.dumps(parse(data))
    except ValueError as error:
        return type(error).__name__, str(error)


#: Texts around JSON documents: whitespace JSON allows and some it does not, extra data.
_AROUND = st.sampled_from(["", " ", "\n\t\r ", "\x0b", "\u2028", "x", "}", "{}"])


@given(JSON_VALUES, _AROUND, _AROUND, st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_loads_is_json_loads(value: object, before: str, after: str, encoding: str) -> None:
    text = before + json.dumps(value, ensure_ascii=False) + after
    for data in (text, text.encode(encoding, "surrogatepass")):
        assert _outcome(loads, data) == _outcome(json.loads, data)


@given(st.binary(max_size=40).map(lambda tail: b"{" + tail) | st.binary(max_size=40))
def test_loads_fails_on_any_bytes_as_json_loads_fails(data: bytes) -> None:
    assert _outcome(loads, data) == _outcome(json.loads, data)


@pytest.mark.parametrize("data", [b"", "", b"{", '{"a": 1}{"b": 2}', b"\xef\xbb\xbf{}"])
def test_loads_edges_match_json_loads(data: bytes | str) -> None:
    assert _outcome(loads, data) == _outcome(json.loads, data)
