"""Management commands of the leads app."""
