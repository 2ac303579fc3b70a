"""The library's functions, in two modules so that a command imports only what it uses:
`core` (load, solve, check, plan, advance) and `tools` (rotate, explain, compare, report,
demand). `staffpool/__init__.py` hands each out by name."""
