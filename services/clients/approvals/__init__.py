"""approvals domain of the clients service: requests above a position's authority."""
