"""Solving: everything that turns a built program into a plan. Solver profiles (`profiles`), the
HiGHS and CBC runners (`runners`), one community solved level by level and read back into
people (`community`), a whole instance (`instance`: communities here, in parallel or on Dask
through `engines`) and plans over years (`horizon`). Returns data (`Solution`); tables and
files are the outputs layer's.
"""
