"""Pure domain rules: money, roles, states and rule functions. No I/O here."""
