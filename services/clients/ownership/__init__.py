"""ownership domain of the clients service."""
