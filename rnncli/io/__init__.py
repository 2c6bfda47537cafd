"""The I/O layer: CSV reading, model files and model directories, atomic writes (above the model)."""
