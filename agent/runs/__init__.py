"""Runs on disk: run directories (trajectories), their schema, reports, replay and retention."""
