"""contacts domain of the clients service."""
