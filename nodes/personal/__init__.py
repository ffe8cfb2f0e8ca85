"""A person's own door into their node: the personal PIN, the sessions of their phone, and
what they may see and do of their own (nodes.personal)."""
