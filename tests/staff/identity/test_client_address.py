"""The client address behind proxies: X-Forwarded-For only through trusted hops."""

import pytest

from services.staff.identity.client_address import client_address, trusted_networks

GATEWAY = trusted_networks(["10.1.0.0/16", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("10.1.2.3", "198.51.100.7", "198.51.100.7"),  # through the gateway
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # straight in: the header is a lie
        ("10.1.2.3", "198.51.100.7, 10.1.9.9", "198.51.100.7"),  # two trusted hops
        ("10.1.2.3", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # a forged left part ignored
        ("10.1.2.3", None, "10.1.2.3"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        (None, "198.51.100.7", "unknown"),
    ],
)
def test_the_first_untrusted_hop_from_the_right_is_the_client(
    peer: str | None, forwarded_for: str | None, client: str
) -> None:
    assert client_address(peer, forwarded_for, GATEWAY) == client
