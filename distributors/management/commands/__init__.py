"""Commands: demo_data seeds the embedded demo."""
