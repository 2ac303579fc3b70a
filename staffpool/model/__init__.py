"""The allocation program of model.md, built with PuLP, one community at a time."""
