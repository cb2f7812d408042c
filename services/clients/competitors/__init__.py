"""Competitors (竞争对手): the register, and what is known of them per account and deal."""
