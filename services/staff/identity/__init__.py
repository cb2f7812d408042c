"""Identity: user accounts, tokens, API keys, signing keys (the staff service owns them)."""
