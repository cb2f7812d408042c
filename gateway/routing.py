"""The routing table: which service serves which path prefix. Prefixes are not stripped."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.settings import GatewaySettings


@dataclass(frozen=True, slots=True)
class Upstream:
    """One backend service."""

    name: str
    base_url: str


@dataclass(frozen=True, slots=True)
class RoutingTable:
    """Path prefixes in match order, each to its upstream."""

    routes: tuple[tuple[str, Upstream], ...]

    @property
    def upstreams(self) -> tuple[Upstream, ...]:
        """Each upstream once, in table order."""
        seen: dict[str, Upstream] = {}
        for _, upstream in self.routes:
            seen.setdefault(upstream.name, upstream)
        return tuple(seen.values())

    def resolve(self, path: str) -> Upstream | None:
        """The upstream serving ``path``, or None (the gateway answers 404)."""
        for prefix, upstream in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return upstream
        return None


def routing_table(settings: GatewaySettings) -> RoutingTable:
    """DESIGN.md's table: each service its own prefix, ``/v1/auth`` and ``/v1/me`` to staff."""
    clients = Upstream("clients", settings.clients_url.rstrip("/"))
    staff = Upstream("staff", settings.staff_url.rstrip("/"))
    kpi = Upstream("kpi", settings.kpi_url.rstrip("/"))
    return RoutingTable(
        routes=(
            ("/v1/clients", clients),
            ("/v1/staff", staff),
            ("/v1/auth", staff),
            ("/v1/me", staff),
            ("/v1/kpi", kpi),
        )
    )
