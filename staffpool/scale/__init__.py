"""Scale: scenario grids (`grid`), warm-started chains of scenarios on one program (`chain`) and
resumable sweeps over every community (`sweep`), on the engines of `staffpool.solving.engines`.
"""
