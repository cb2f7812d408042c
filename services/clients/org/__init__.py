"""org domain of the clients service."""
