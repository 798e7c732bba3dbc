"""The audit stage: likely label errors. Every labelled video gets class probabilities from a
model that never saw its account (grouped cross-validation on the cached features); cleanlab's
confident learning flags the videos whose given label those probabilities most contradict."""
