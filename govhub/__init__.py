"""Kaifeng grid-governance data hub: the command line and the pipeline runner."""
