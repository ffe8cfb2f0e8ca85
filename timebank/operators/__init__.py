"""The people who run a party (a node's office staff, the bureau's staff at the
clearinghouse): their accounts and roles, their sessions, and the trail of their logins and
actions (`records`, `tables`, `rules`, `passwords`, `store`, `desk`, `service`, `guard`)."""
