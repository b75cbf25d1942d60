"""Reading conversations: every line yields a conversation or an error naming the line."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notalone.detect import Conversation, InputError, LineError, parse_conversation, read_jsonl

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=8))
def test_any_bytes_give_a_conversation_or_a_line_error(lines: list[bytes]) -> None:
    stream = io.BytesIO(b"\n".join(line.replace(b"\n", b" ") for line in lines))
    for number, item, _ in read_jsonl(stream):
        assert number >= 1
        assert isinstance(item, Conversation | LineError)
        if isinstance(item, LineError):
            assert item.line == number and item.message


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_is_parsed_or_rejected_with_input_error(value: object) -> None:
    try:
        conv = parse_conversation(value)
    except InputError as exc:
        assert str(exc)
    else:
        assert all(isinstance(m.text, str) for m in conv.messages)


def test_unknown_fields_and_labels_are_ignored() -> None:
    conv = parse_conversation(
        {
            "id": 7,
            "lang": "VI",
            "label": {"category": "fraud"},
            "extra": [1, 2],
            "messages": [{"from": "a", "text": "chào", "ts": "2025-10-01T10:00:00Z", "x": 1}],
        }
    )
    assert conv.id == "7" and conv.lang == "vi" and conv.messages[0].ts == "2025-10-01T10:00:00Z"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{", "invalid JSON"),
        (b"\xff\xfe", "invalid UTF-8"),
        (json.dumps({"messages": [{"text": 5}]}).encode(), "messages[0].text"),
        (json.dumps([1, 2]).encode(), "JSON object"),
    ],
)
def test_bad_lines_say_what_is_wrong(line: bytes, reason: str) -> None:
    [(_, item, _)] = list(read_jsonl(io.BytesIO(line)))
    assert isinstance(item, LineError) and reason in item.message
