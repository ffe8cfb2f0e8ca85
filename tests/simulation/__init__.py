"""The seeded fault simulation's tests: the runner, its reproducibility, and that its known bugs are caught."""
