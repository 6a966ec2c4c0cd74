"""labwright.simulators.mlip."""
