"""labwright: verified, safety-checked liquid-handling protocols for self-driving labs.

The application shell lives here (CLI, configuration, stores, reports). The layers live in
sibling packages: ``labwright.protocols`` <- ``labwright.simulators`` <- ``labwright.verifiers``
<- ``labwright.hardware`` <- ``labwright.agents``.
"""



def __getattr__(name: str) -> str:
    # the version is the installed distribution's (pyproject.toml), read in one place
    if name == "__version__":
        from labwright.protocols.provenance import labwright_version

        return labwright_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
