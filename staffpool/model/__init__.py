"""The model: one community's integer program. Cohorts of interchangeable people (`cohorts`),
the program's data (`community`), the rules registry (`rules/`, one module per rule family,
each rule's one-year form and its form over years side by side), the builder that runs them
(`build`), the program over years (`horizon` its data, `arcspace` where each class may be
and go, `years` the builder, through the same registry) and the plain-array program both
solvers read (`linear`). Imports only the domain and the leaves.
"""
