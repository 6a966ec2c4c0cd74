"""labwright.simulators.structure."""
