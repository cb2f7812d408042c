"""Tampered cursors on every list of the contract (issue 18, defect 8).

An id past 32 bits was a 500 on clients lists, ``{"id":"x"}`` and ``{"id":null}`` were 500s
on staff and kpi. A list that answers without a cursor answers 400 problem+json to a cursor
it did not make; no list answers 5xx to one.
"""

import base64
import json

import httpx

from shared.pagination import MAX_ID, encode_cursor
from tests.abuse.conftest import Walked

TAMPERED = [
    encode_cursor({"id": MAX_ID + 1}),
    encode_cursor({"id": 2**63}),
    encode_cursor({"sort": "id", "value": 1, "id": 2**40}),
    encode_cursor({"id": "x"}),
    encode_cursor({"id": None}),
    encode_cursor({"id": 0}),
    encode_cursor({"id": -5}),
    encode_cursor({"id": 1.5}),
    encode_cursor({"id": True}),
    encode_cursor({}),
    encode_cursor({"version_no": "x"}),
    encode_cursor({"sort": "legal_name", "value": {"a": 1}, "id": 1}),
    base64.urlsafe_b64encode(json.dumps([1, 2]).encode()).decode(),
    base64.urlsafe_b64encode(b'{"id": NaN}').decode(),
    "%%%",
    "eyJpZCI6",  # cut short
]


async def test_a_tampered_cursor_is_400_on_every_list(walked: Walked) -> None:
    wrong: list[str] = []
    lists = [
        operation
        for operation in walked.operations
        if any(leaf.name == "cursor" for leaf in operation.parameter_leaves("query"))
    ]
    answering = 0
    for operation in lists:
        baseline = await walked.send(operation)
        answering += baseline.is_success
        for cursor in TAMPERED:
            response = await walked.send(operation, params={"cursor": cursor})
            fine = response.status_code == 400 if baseline.is_success else True
            if not fine or response.status_code >= 500:
                wrong.append(f"{operation} {cursor}: {response.status_code} {response.text[:120]}")
            elif response.status_code == 400:
                assert response.headers["content-type"] == "application/problem+json"
    assert answering >= 3, f"only {answering} of {len(lists)} lists answered the walk"
    assert wrong == [], "\n".join(wrong)


SORTED_LIST = "/v1/clients/accounts"
SORTED_CURSORS = {
    "created_at": encode_cursor({"sort": "created_at", "value": "not a day", "id": 1}),
    "-updated_at": encode_cursor({"sort": "-updated_at", "value": 5, "id": 1}),
    "legal_name": encode_cursor({"sort": "legal_name", "value": 5, "id": 1}),
    "-legal_name": encode_cursor({"sort": "legal_name", "value": "a", "id": 1}),  # other sort
    "id": encode_cursor({"sort": "id", "value": "a\u0000", "id": 1}),
}


async def test_a_sorted_list_refuses_a_cursor_of_another_shape(
    clients_client: httpx.AsyncClient,
) -> None:
    for sort, cursor in SORTED_CURSORS.items():
        params = {"sort": sort, "cursor": cursor}
        response = await clients_client.get(SORTED_LIST, params=params)
        assert response.status_code == 400, (sort, response.text)
        assert response.headers["content-type"] == "application/problem+json"


ORDERED_LISTS = {
    "/v1/clients/tickets": ("-id", "sla_due", "severity"),
    "/v1/clients/visits": ("id", "planned_on"),
    "/v1/clients/invoices": ("id", "next_due_date"),
    "/v1/clients/accounts": ("credit_score", "grade"),
}
ORDERED_VALUES = ["99999999999999999999", "-99999999999999999999", "x", "2026-13-45", "", "Z"]


async def test_every_sort_order_refuses_a_value_it_cannot_hold(
    clients_client: httpx.AsyncClient,
) -> None:
    for path, sorts in ORDERED_LISTS.items():
        for sort in sorts:
            for value in ORDERED_VALUES:
                cursor = encode_cursor({"sort": sort, "value": value, "id": 1})
                response = await clients_client.get(path, params={"sort": sort, "cursor": cursor})
                assert response.status_code == 400, (path, sort, value, response.text)
