"""Duplicate accounts (重复客户): detection on create, edit and import, the duplicate report,
and merges of two accounts into one (undoable for a period)."""
