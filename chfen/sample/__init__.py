"""A deterministic synthetic raw dataset that stands in for a real crawl.

``generate_sample`` writes Douyin-API and flat-CSV crawl exports, short news-like videos whose
emotion (on Plutchik's wheel) is carried, with noise, by every modality (scenes, subtitles,
voice, music, title), multi-annotator label sheets, a handful of planted bad records the clean
stage must reject, and an answer key saying what clean should conclude about every record.
"""

from chfen.sample.dataset import SampleSummary, generate_sample

__all__ = ["SampleSummary", "generate_sample"]
