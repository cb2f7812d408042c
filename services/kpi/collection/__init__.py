"""Collecting actuals for a whole cycle from the clients service (取数)."""
