"""The model: one community's integer program. Cohorts of interchangeable people (`cohorts`),
the program's data (`community`), the rules registry (`rules/`, one module per rule family),
the builder that runs them (`build`), the program over years (`years`, `arcspace`) and the
plain-array program both solvers read (`linear`). Imports only the domain and the leaves.
"""
