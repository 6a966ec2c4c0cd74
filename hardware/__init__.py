"""labwright.hardware."""
