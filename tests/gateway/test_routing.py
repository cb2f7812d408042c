from gateway.routing import routing_table
from gateway.settings import GatewaySettings


def table():
    return routing_table(
        GatewaySettings(clients_url="http://c:1", staff_url="http://s:2/", kpi_url="http://k:3")
    )


def test_each_prefix_goes_to_its_service() -> None:
    t = table()
    assert t.resolve("/v1/clients/accounts/1").name == "clients"
    assert t.resolve("/v1/staff/departments").name == "staff"
    assert t.resolve("/v1/kpi/indicators").name == "kpi"
    assert t.resolve("/v1/auth/token").name == "staff"
    assert t.resolve("/v1/me/inbox").name == "staff"
    # each service serves its own part of a person's day under its prefix
    assert t.resolve("/v1/clients/me/day").name == "clients"
    assert t.resolve("/v1/staff").base_url == "http://s:2"


def test_lookalike_prefixes_and_unknown_paths_are_not_routed() -> None:
    t = table()
    assert t.resolve("/v1/clientsX/accounts") is None
    assert t.resolve("/v1/meX/inbox") is None
    assert t.resolve("/v2/clients/accounts") is None
    assert t.resolve("/") is None


def test_upstreams_are_listed_once() -> None:
    assert [u.name for u in table().upstreams] == ["clients", "staff", "kpi"]
