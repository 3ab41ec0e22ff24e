"""What we measure: runs, and (built on them) basins, escape rates, sweeps, metrics, figures and the cmx CLI."""
