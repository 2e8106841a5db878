"""Services: every write and every state change. Views call these; these own the transactions."""
