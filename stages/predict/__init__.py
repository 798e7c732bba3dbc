"""``chfen predict``: a trained model on one clip that is not in the dataset.

Not a DVC stage: it runs the per-video stages (separate, ocr, track, embed) on the one clip in a
temporary folder, through their own ``run`` functions and with the params and encoders recorded
with the model (``model.provenance``), then the model (``model.inference``), and reads the
result onto Plutchik's wheel (``reading``). ``render`` prints it; ``report`` draws it.
"""
