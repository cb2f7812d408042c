"""Authentication and authorisation primitives every process uses (DESIGN.md rule 13)."""
