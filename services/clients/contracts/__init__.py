"""contracts domain of the clients service."""
