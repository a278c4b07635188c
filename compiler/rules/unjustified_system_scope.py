"""A system-scope agent without a stated reason."""

from __future__ import annotations

from collections.abc import Iterable

from compiler import ir
from compiler.rules.base import Finding, Rule


class UnjustifiedSystemScope(Rule):
    """`scope = "system"` with no justification.

    Anti-pattern: a system daemon runs as root for every user and survives
    logout; most agents need none of that (spec principle 4).

        scope = "system";

    Better: `scope = "user"`. When system scope is really required, say why
    as the reason of a waiver of this rule:

        scope = "system";
        waivers.unjustified-system-scope = "binds port 443 for all users";
    """

    code = "AG112"
    name = "unjustified-system-scope"

    def check(self, agent: ir.Agent) -> Iterable[Finding]:
        if agent.scope == "system":
            yield Finding(
                agent.at("scope"),
                f"`{agent.name}` runs as a system daemon",
                'use scope = "user", or state the reason:'
                ' waivers.unjustified-system-scope = "why";',
            )
