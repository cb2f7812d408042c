"""Notes (跟进记录/备注) on an account: free text with its author and time."""
