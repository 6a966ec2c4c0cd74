"""labwright.verifiers."""
