"""Tools built on solving and outputs: `explain` (why infeasible, what one more unit buys),
`rotation` (grassroots service as a min-cost flow), `demand` (WISN files), `generate`
(synthetic counties) and `convert` (an instance in another form).
"""
