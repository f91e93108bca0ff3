"""Management commands of the distributors app."""
