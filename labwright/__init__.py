"""labwright: verified, safety-checked liquid-handling protocols for self-driving labs.

The application shell lives here (CLI, configuration, stores, reports). The layers live in
sibling packages: ``labwright.protocols`` <- ``labwright.simulators`` <- ``labwright.verifiers``
<- ``labwright.hardware`` <- ``labwright.agents``.
"""

__version__ = "0.1.0"
