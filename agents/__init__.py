"""labwright.agents."""
