"""Solving: everything that turns a built program into a plan. Solver profiles (`profiles`),
the lexicographic driver that every solve goes through (`lexicographic`: levels, holds,
proofs, statuses, time limits), the HiGHS and CBC runners behind it (`runners`), one
community solved and read back into people (`community`), a whole instance (`instance`:
communities here, in parallel or on Dask through `engines`) and plans over years
(`horizon`). Returns data (`Solution`); tables and files are the outputs layer's.
"""
