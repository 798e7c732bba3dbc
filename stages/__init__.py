"""chfen's DVC stages: one package per stage, each runnable as ``python -m stages.<name>``."""
