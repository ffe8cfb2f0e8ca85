"""The city's programs: whatever composes the parties into one city on this machine.

Owns the `timebank` entry point (cli), `city init` (init: the city's CA, certificates,
keys and configs), starting and stopping parties as processes (processes, running), the
demo day (demo), the benchmark (bench), the seeded simulation (sim), `timebank status`
(status), `timebank check-config` (checkconfig) and `timebank key ...` (key_commands).

It sits above both parties and may import them; nothing below imports it: the nodes and
the clearinghouse never do, and the shared kernel (`timebank`) imports neither party.
"""
