"""The HTTP side and the composition root: settings, wiring, routes, the gate, billing."""
