"""labwright.verifiers.safety."""
