"""Tools built on solving and outputs: `explain` (why infeasible, what one more unit buys),
`rotation` (grassroots service: an integer program over a NetworkX graph,
`rotation_program`), `demand` (WISN files), `generate` (synthetic counties) and `convert`
(an instance in another form).
"""
