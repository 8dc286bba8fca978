"""The rubric: answer schema validation and the task round trip through the prompt."""
from __future__ import annotations

import json

import pytest

from scoring.rubric import (ANSWER_SCHEMA, RUBRIC_TEXT, RUBRIC_VERSION, AnswerInvalid, build_messages, parse_answer,
                            task_text_from_user_message)


def test_valid_and_fenced_answers():
    a = parse_answer('{"exposure_class": "E2", "score": 0.5, "rationale": " needs retrieval "}')
    assert (a.exposure_class, a.score, a.rationale) == ("E2", 0.5, "needs retrieval")
    fenced = '```json\n{"exposure_class": "E1", "score": 0.9, "rationale": "drafting"}\n```'
    assert parse_answer(fenced).exposure_class == "E1"


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ('{"exposure_class": "E1", "score": ', "not JSON"),
    ("[1, 2]", "JSON object"),
    ('{"exposure_class": "E1", "score": 1}', "rationale"),
    ('{"exposure_class": "E3", "score": 1, "rationale": ""}', "E3"),
    ('{"exposure_class": "E1", "score": 1.2, "rationale": ""}', r"\[0, 1\]"),
    ('{"exposure_class": "E1", "score": "high", "rationale": ""}', "finite number"),
    ('{"exposure_class": "E0", "score": 0.9, "rationale": ""}', "contradicts"),
    ('{"exposure_class": "E1", "score": 1, "rationale": "", "extra": 1}', "unexpected"),
    (json.dumps({"exposure_class": "E1", "score": 1, "rationale": "x" * 401}), "longer than"),
])
def test_invalid_answers_name_the_rule(content, message):
    with pytest.raises(AnswerInvalid, match=message):
        parse_answer(content)


def test_prompt_round_trip_and_version():
    messages = build_messages("Prepare   budgets\nand reports.", "Accountants")
    assert messages[0]["content"] == RUBRIC_TEXT and RUBRIC_VERSION in RUBRIC_TEXT
    assert task_text_from_user_message(messages[1]["content"]) == "Prepare budgets and reports."
    assert "Occupation: Accountants" in messages[1]["content"]
    assert ANSWER_SCHEMA["required"] == ["exposure_class", "score", "rationale"]
