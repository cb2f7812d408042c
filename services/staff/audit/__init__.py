"""The staff service's audit log: identity events, approvals, departures."""
