"""Work items kpi posts to people's inboxes (staff) through its outbox."""
