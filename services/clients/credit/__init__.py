"""credit domain of the clients service."""
