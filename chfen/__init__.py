"""The ``chfen`` command line and the work that spans stages: it sees the shared library
(``pipeline``), every stage (``stages``) and the model (``model``), which never import it."""
