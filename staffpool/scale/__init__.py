"""Work beyond one solve: scenario grids (`grid`), warm-started chains of one community's
scenarios (`chain`), the engines that run tasks (`engines`: local process pool or Dask) and
the sweep driver with its resumable journal (`sweep`)."""
