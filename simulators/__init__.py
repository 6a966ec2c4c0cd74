"""labwright.simulators."""
