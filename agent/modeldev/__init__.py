"""Model development: data generation (`datagen`), training the built-in model (`train`) and measuring models
(`eval`). The agent never imports this package to run a task."""
