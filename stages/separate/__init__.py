"""The separate stage (``python -m stages.separate``): audio extraction and vocal/music split."""
