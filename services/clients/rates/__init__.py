"""rates domain of the clients service: the date-effective exchange-rate table."""
