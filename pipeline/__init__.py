"""chfen's shared library. Importing it turns the offline guard on (see ``pipeline.offline``)."""

from pipeline import offline

offline.enable()

__version__ = "0.1.0"  # keep in step with pyproject.toml
