"""Work items for staff's inbox (待办): posted and closed through the clients outbox."""
