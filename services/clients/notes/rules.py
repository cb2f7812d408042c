"""Pure rules of notes: who may change one."""

from __future__ import annotations

from collections.abc import Collection

from shared.auth.principal import Role

MODERATORS = frozenset({Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD})
"""Besides its author, who may delete a note (on an account in their scope): the people
who look after what their line writes down. Nobody edits another person's words."""


def may_edit_note(author_id: int, editor_id: int | None) -> bool:
    """Only the author rewrites a note: it says what he saw, under his name."""
    return editor_id is not None and editor_id == author_id


def may_delete_note(author_id: int, actor_id: int | None, roles: Collection[Role]) -> bool:
    """The author deletes his note; a moderator (:data:`MODERATORS`) any note he can reach."""
    return may_edit_note(author_id, actor_id) or any(role in MODERATORS for role in roles)
