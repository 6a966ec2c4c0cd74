"""Verification passes, in order. The schema pass parses the document; every later pass is a
function ``(resolved, context) -> findings`` (``context.Pass``) over the protocol resolved once
against its deck."""
