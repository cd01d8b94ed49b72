"""HTTP routes, one module per resource; `api.app` registers them."""
