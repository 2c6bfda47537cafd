"""The model layer: supervised windows, scaling, baselines, metrics and the Forecaster (above the engine)."""
