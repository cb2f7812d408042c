"""NUL characters inside an imported spreadsheet (issue 18, defect 7): a file is read by
its route, not by the request middleware, so its cells are checked where they are read."""

import httpx

from tests.clients.accounts.test_files import csv_bytes, names_like, post_csv
from tests.clients.conftest import DEPARTMENT, KAM, credit_code, feed_org


async def test_a_nul_in_an_imported_cell_is_422_naming_row_and_column(
    clients_client: httpx.AsyncClient,
) -> None:
    await feed_org(clients_client, DEPARTMENT)
    rows = [
        ["导入正常有限公司", credit_code(71), "制造", KAM, "重点", ""],
        ["导入\x00有限公司", credit_code(72), "制造", KAM, "重点", ""],
    ]
    response = await post_csv(clients_client, csv_bytes(rows))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "row 3, column legal_name" in response.json()["detail"]
    assert await names_like(clients_client, "导入") == []
