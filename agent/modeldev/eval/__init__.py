"""Evaluation: grounding accuracy on ScreenSpot-format datasets, reference baselines."""
