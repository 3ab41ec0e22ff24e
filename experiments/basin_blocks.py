"""How the basin descent takes its points, shared by the descent (experiments.basins) and its cost
(experiments.work), so that neither module imports the other."""

HESSIAN_MAX_DIM = 16  # above this the model is linear (plain gradient steps): Hessians would cost d^3 per point
ASSIGN_BLOCK = 65_536  # points descended together: enough to amortise each iteration, few enough for memory
