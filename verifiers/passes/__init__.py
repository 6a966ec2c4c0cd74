"""Verification passes, in order; each a function ``(protocol, context) -> findings``."""
