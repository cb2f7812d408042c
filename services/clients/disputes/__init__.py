"""disputes domain of the clients service: ownership disputes (撞单)."""
