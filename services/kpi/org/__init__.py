"""Read-only copy of the org data from staff (employees, managers, positions)."""
