"""audit domain of the clients service."""
