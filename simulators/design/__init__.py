"""labwright.simulators.design."""
