"""Many models at once: one per series, or one per grid point, on local processes or a Dask cluster."""
