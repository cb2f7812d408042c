"""Problem documents in the caller's language (zh-CN by default, ``en`` on request) and
error examples that belong to their operation."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.languages import DEFAULT_LANGUAGE, LANGUAGES, negotiate
from shared.messages import translate_detail
from shared.problem_types import PROBLEM_TYPE_PREFIX, problem_type
from tests.request_walk import SERVICES, create_app


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr-FR", "zh-CN"),
        ("en;q=0.2, zh;q=0.8", "zh-CN"),
        ("en;q=0, zh;q=0", "zh-CN"),
        ("en;q=abc", "zh-CN"),
    ],
)
def test_accept_language_is_negotiated(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@given(st.text(max_size=200))
def test_any_header_gets_a_language_we_speak(header: str) -> None:
    assert negotiate(header) in LANGUAGES


def test_an_unknown_message_stays_whole_in_english() -> None:
    assert translate_detail("something new happened", "zh-CN") == "something new happened"
    assert translate_detail("ticket 7 does not exist", "zh-CN") == "工单 7 不存在"
    assert translate_detail("ticket 7 does not exist", "en") == "ticket 7 does not exist"


async def _missing_account(client: httpx.AsyncClient, language: str | None) -> httpx.Response:
    headers = dict(client.headers)
    headers.pop("accept-language", None)
    if language is not None:
        headers["Accept-Language"] = language
    return await client.get("/v1/clients/accounts/987654", headers=headers)


async def test_the_same_failure_in_chinese_and_english(clients_client: httpx.AsyncClient) -> None:
    clients_client.headers.pop("accept-language", None)
    default = await _missing_account(clients_client, None)
    chinese = await _missing_account(clients_client, "zh-CN,zh;q=0.9")
    english = await _missing_account(clients_client, "en-US")
    for response in (default, chinese, english):
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM_TYPE_PREFIX + "not-found"
    assert default.json()["title"] == chinese.json()["title"] == "记录不存在"
    assert default.json()["detail"] == chinese.json()["detail"] == "客户 987654 不存在"
    assert default.headers["content-language"] == DEFAULT_LANGUAGE
    assert english.json()["title"] == "Not Found"
    assert english.json()["detail"] == "account 987654 does not exist"
    assert english.headers["content-language"] == "en"


async def test_field_errors_follow_the_language(clients_client: httpx.AsyncClient) -> None:
    answers = {}
    for language in ("zh-CN", "en"):
        response = await clients_client.post(
            "/v1/clients/accounts", json={}, headers={"Accept-Language": language}
        )
        assert response.status_code == 422
        answers[language] = response.json()
    zh, en = answers["zh-CN"], answers["en"]
    assert zh["type"] == en["type"] == PROBLEM_TYPE_PREFIX + "validation-error"
    assert [e["loc"] for e in zh["errors"]] == [e["loc"] for e in en["errors"]]
    assert {e["msg"] for e in zh["errors"] if e["type"] == "missing"} == {"必填字段"}
    assert {e["msg"] for e in en["errors"] if e["type"] == "missing"} == {"Field required"}
    assert zh["title"] == "请求校验失败" and en["title"] == "Validation error"


def _error_examples() -> list[tuple[str, str, str, str, dict[str, object]]]:
    found = []
    for service in SERVICES:
        document = create_app(service).openapi()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                for status, answer in operation.get("responses", {}).items():
                    media = answer.get("content", {}).get("application/problem+json")
                    if media is not None and "example" in media:
                        found.append((service, path, method, status, media["example"]))
    return found


def test_every_documented_error_has_an_example_of_its_operation() -> None:
    examples = _error_examples()
    assert len(examples) > 500
    not_found_details = set()
    for _service, path, _method, status, example in examples:
        slug = str(example["type"]).removeprefix(PROBLEM_TYPE_PREFIX)
        entry = problem_type(slug)
        assert entry is not None, slug
        assert str(entry.status) == status == str(example["status"]), (path, status)
        assert "{" not in str(example["instance"])
        if status == "404":
            not_found_details.add(example["detail"])
            if "{ticket_id}" in path:
                assert example["detail"] == "ticket 42 does not exist"
    # Not one example for every route: the 404s name many different records.
    assert len(not_found_details) > 20
