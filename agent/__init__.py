"""Agent: the loop, trajectories, replay, recipes, evaluation and the command line."""
