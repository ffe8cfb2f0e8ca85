"""The deterministic simulation: a clearinghouse and several nodes in one process, driven by one seed.

The parties run the production code (nodes.crossing, nodes.link.LinkProtocol,
clearinghouse.service and coordinator, the books, the logs) on real SQLite files; only the
clock, the network, randomness and crashes are the simulator's (city.sim.world). Each
seed draws its fault rates and a schedule of steps (city.sim.run), and the invariants of
DESIGN.md section 8 are checked after every step and at the end (city.sim.checks).
"""
