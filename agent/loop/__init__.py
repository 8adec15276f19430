"""The agent loop: the step contract, the environment it acts on, and the wrappers that record, budget, guard
and confirm steps (`driver` stacks them and drives a run)."""
