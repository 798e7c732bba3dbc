"""The annotation loop (``chfen annotate``): choose the items of the next round, write one sheet
per annotator (``selection.py``, ``sheets.py``) and carry a round through Label Studio
(``labelstudio.py``). Sheets use the labels stage's columns (``stages.labels.sheets``)."""
