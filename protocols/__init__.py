"""labwright.protocols."""
