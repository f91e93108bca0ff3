"""REST API of the leads app, one module per resource."""
