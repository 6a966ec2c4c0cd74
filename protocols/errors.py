"""The one exception hierarchy for programmer errors and unusable input.

Problems *inside* user content (a volume too large, an unknown well) are findings, not
exceptions. Exceptions are for input that cannot be read at all, or for misuse of the API.
"""

from __future__ import annotations


class LabwrightError(Exception):
    """Base class for every error labwright raises on purpose.

    ``hint`` says how to fix the problem; the CLI prints it and exits 2.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class UnusableInputError(LabwrightError):
    """The input cannot be read as a protocol at all (missing file, not YAML/JSON/Python)."""


class DefinitionNotFoundError(LabwrightError):
    """A labware, pipette or module definition does not exist."""


class ConfigurationError(LabwrightError):
    """A configuration value (policy file, store path, key) is unusable."""


class DispatchRefusedError(LabwrightError):
    """The dispatcher refuses to send a protocol (no, invalid or mismatched certificate)."""
