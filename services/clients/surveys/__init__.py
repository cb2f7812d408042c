"""surveys domain of the clients service: satisfaction surveys."""
