"""The people who run a node: their accounts and roles, their sessions, and the trail of
their logins and actions (`records`, `rules`, `passwords`, `store`, `desk`, `service`)."""
