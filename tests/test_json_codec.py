"""The encoders built once give what `json.dumps` gives, for anything JSON can hold."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.json_codec import compact, dumps

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
