"""Pages of the leads app, one module per area (leads, registrations, criteria, materials,
analytics)."""
