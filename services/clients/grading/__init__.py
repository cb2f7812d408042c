"""grading domain of the clients service."""
