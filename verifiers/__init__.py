"""labwright.verifiers: verification passes, findings, certificates; safety checks."""
