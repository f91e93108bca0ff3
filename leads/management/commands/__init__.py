"""Commands: demo_leads seeds the embedded demo with two years of leads."""
