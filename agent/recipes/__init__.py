"""Recipes: scripted automations written in YAML (model, loader, runner); the format is in docs/recipes.md."""
