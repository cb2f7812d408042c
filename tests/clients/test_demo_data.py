"""The demo data's shape: groups, contacts with roles, some accounts left uncovered."""

from services.clients.demo import DEMO_ACCOUNT_COUNT, demo_contacts, parent_index


def test_groups_and_contacts() -> None:
    parents = {parent_index(i) for i in range(DEMO_ACCOUNT_COUNT)} - {None}
    assert len(parents) == DEMO_ACCOUNT_COUNT // 25
    counts = [len(demo_contacts(i)) for i in range(DEMO_ACCOUNT_COUNT)]
    assert min(counts) >= 2 and max(counts) <= 4
    uncovered = [
        i
        for i in range(DEMO_ACCOUNT_COUNT)
        if not any("decision_maker" in roles for _, roles in demo_contacts(i))
    ]
    assert len(uncovered) == DEMO_ACCOUNT_COUNT // 10
    assert [c.name for c, _ in demo_contacts(3)] == [c.name for c, _ in demo_contacts(3)]
