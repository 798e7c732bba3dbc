"""MkDocs macros: every figure in the docs is read from ``benchmarks/results/*.json`` and every
default from the params schema (``pipeline.params.Params``), so neither is written twice.

Pages use (mkdocs-macros-plugin, Jinja):

- ``results``: every ``benchmarks/results/<stem>.json``, by file stem
  (``{{ results.real_data.ravdess.summary.model.accuracy.mean | fmt(3) }}``);
- filters ``fmt`` (fixed decimals), ``num`` (integers with thousands separators), ``pct``
  (a share as a percentage), ``pm`` (a ``{mean, std}`` pair as ``mean ± std``), ``ms`` (seconds
  as milliseconds);
- ``table(header, rows)``: a markdown table from a header and rows of cells (numbers formatted
  with ``fmt``); ``table_of(mapping, columns)``: one row per key of a results sub-object;
- ``default("section.key")``: one default of the schema; ``params_table("ocr")``: one section's
  reference; ``params_reference()``: every section;
- ``constant("module", "NAME")``: a constant of the project's code (a rule of thumb it applies);
- ``crawl_cost(...)``: what a crawl costs, from the per-stage CPU figures of the benchmarks.

Any missing key is an error (``on_undefined: strict`` in ``mkdocs.yml``), so a renamed field in a
results file fails ``mkdocs build --strict`` instead of leaving a stale figure.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_results(folder: Path = RESULTS) -> dict[str, Any]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
    }


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    return value


def fmt(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals (integers as they are); a minus sign, not a hyphen."""
    value = _number(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"
    return text.replace("-", "−")


def num(value: Any) -> str:
    """A count: rounded to an integer, thousands separated."""
    return f"{round(_number(value)):,}"


def pct(value: Any, digits: int = 1) -> str:
    """A share (0-1) as a percentage."""
    return f"{100 * _number(value):.{digits}f}%"


def ms(seconds: Any, digits: int = 1) -> str:
    """Seconds as milliseconds (without the unit)."""
    return f"{1000 * _number(seconds):.{digits}f}"


def pm(stat: dict[str, Any], digits: int = 3) -> str:
    """A ``{"mean": m, "std": s}`` pair as ``m ± s``."""
    return f"{fmt(stat['mean'], digits)} ± {fmt(stat['std'], digits)}"


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, float):
        value = fmt(value, digits)
    elif value is None:
        value = ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _numeric(text: str) -> bool:
    stripped = text.replace("−", "").replace(",", "").replace("±", "").replace("%", "")
    stripped = stripped.replace("/", "").replace(" ", "").replace("*", "")
    return bool(stripped) and stripped.replace(".", "", stripped.count(".")).isdigit()


def table(header: list[str], rows: list[list[Any]], digits: int = 3) -> str:
    """A markdown table; floats get ``digits`` decimals, numeric columns are right-aligned."""
    cells = [[_cell(v, digits) for v in row] for row in rows]
    for row in cells:
        if len(row) != len(header):
            raise ValueError(f"row {row} has {len(row)} cells for {len(header)} columns")
    aligns = [
        "---:" if cells and all(_numeric(r[i]) or not r[i] for r in cells) else "---"
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def table_of(
    mapping: dict[str, Any],
    columns: list[str],
    header: list[str] | None = None,
    keys: list[str] | None = None,
    labels: dict[str, str] | None = None,
    digits: int = 3,
) -> str:
    """One row per key of ``mapping`` (or of ``keys``, in that order), one column per dotted
    path in ``columns``; the first column is the key (renamed through ``labels``)."""
    labels = labels or {}
    rows = [[labels.get(k, k), *(_get(mapping[k], c) for c in columns)] for k in (keys or mapping)]
    return table(header or ["", *columns], rows, digits)


# --- the params schema ---------------------------------------------------------------------


def _schema():
    from pipeline.params import Params, Section

    return Params, Section


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " or ".join(json.dumps(a) if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is not None:
        inner = ", ".join(_type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    if annotation is type(None):
        return "null"
    if annotation is Ellipsis:
        return "..."
    return getattr(annotation, "__name__", str(annotation))


_BOUNDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def _bounds(field: Any) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sign in _BOUNDS.items():
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
    return ", ".join(parts)


def _yaml_value(value: Any) -> str:
    from pydantic import TypeAdapter

    plain = TypeAdapter(Any).dump_python(value, mode="json")
    if plain is None:
        return "null"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, str):
        return plain if plain else '""'
    return json.dumps(plain, ensure_ascii=False)


def _doc(cls: type) -> str:
    doc = cls.__dict__.get("__doc__")
    return " ".join(inspect.cleandoc(doc).split()) if doc else ""


def _rows(model: type, prefix: str) -> list[tuple[str, str, str, str]]:
    """(key path, type, default, description) of every leaf of ``model``, depth first."""
    _, section = _schema()
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation = field.annotation
        args = typing.get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, section):
            rows += _rows(annotation, path)
            continue
        value_type = args[-1] if typing.get_origin(annotation) is dict and args else None
        description = field.description or ""
        if isinstance(value_type, type) and issubclass(value_type, section):
            doc = _doc(value_type)
            rows.append((path, f"map of name to {value_type.__name__}", "{}", description))
            rows += [
                (p, t, d, " ".join(x for x in (s, doc if i == 0 else "") if x))
                for i, (p, t, d, s) in enumerate(_rows(value_type, f"{path}.<name>"))
            ]
            continue
        type_text = _type_name(annotation)
        bounds = _bounds(field)
        default = field.get_default(call_default_factory=True)
        rows.append(
            (
                path,
                f"{type_text}, {bounds}" if bounds else type_text,
                _yaml_value(default),
                description,
            )
        )
    return rows


def _field(dotted: str) -> Any:
    params, section = _schema()
    model = params
    *parents, leaf = dotted.split(".")
    for part in parents:
        annotation = model.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, section)):
            raise KeyError(f"{dotted}: {part} is not a section")
        model = annotation
    if leaf not in model.model_fields:
        raise KeyError(f"{dotted}: no such key in the params schema")
    return model.model_fields[leaf]


def default(dotted: str) -> str:
    """The schema's default of one key, e.g. ``default("clean.near_duplicates.min_shared")``."""
    return _yaml_value(_field(dotted).get_default(call_default_factory=True))


def _escape(text: str) -> str:
    """Text for a markdown table cell: no cell breaks, no line breaks, no HTML tags."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def _pipes(text: str) -> str:
    """Code for a markdown table cell: only the cell separator is escaped."""
    return text.replace("|", "\\|")


def _section_doc(path: str, cls: type) -> list[str]:
    """``path``'s docstring as a paragraph, led by the path unless the docstring names it."""
    doc = _escape(_doc(cls))
    if not doc:
        return []
    return [doc if doc.startswith(f"``{path}``") else f"`{path}`: {doc}"]


def _section_docs(model: type, path: str) -> list[str]:
    """The docstrings of ``model`` and of every section nested in it, depth first."""
    _, sec = _schema()
    docs = _section_doc(path, model)
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, sec):
            docs += _section_docs(field.annotation, f"{path}.{name}")
    return docs


def params_table(section: str) -> str:
    """The reference of one top-level section: its class docstrings, then every key."""
    params, sec = _schema()
    field = params.model_fields[section]
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, sec):
        rows = _rows(annotation, section)
        docs = _section_docs(annotation, section)
    else:
        rows = [(section, _type_name(annotation), default(section), field.description or "")]
        docs = []
    lines = [*(d + "\n" for d in docs)]
    lines.append("| key | type | default | description |")
    lines.append("|---|---|---|---|")
    lines += [f"| `{p}` | {_escape(t)} | `{_pipes(d)}` | {_escape(s)} |" for p, t, d, s in rows]
    return "\n".join(lines)


def params_reference(level: int = 2) -> str:
    """Every section of ``params.yaml``, one heading and table each, in the schema's order."""
    params, _ = _schema()
    return "\n\n".join(
        f"{'#' * level} `{name}`\n\n{params_table(name)}" for name in params.model_fields
    )


def constant(module: str, name: str) -> Any:
    """A module-level constant of the project's code (a rule of thumb the code applies), e.g.
    ``constant("stages.predict.reading", "DYAD_MIN")``."""
    return getattr(importlib.import_module(module), name)


# --- what a crawl costs ------------------------------------------------------------------


def stage_costs(results: dict[str, Any]) -> dict[str, float]:
    """CPU seconds per minute of video of each per-video stage, offline profile defaults."""
    separate = results["separation"]["cost"]["speech_onnxruntime"]["stereo"]
    return {
        "separate": separate["cpu_s_per_audio_min"],
        "ocr": results["ocr"]["auto_backend"]["cpu_s_per_video_minute"]["rapidocr"],
        "track": results["tracking"]["settings"]["ssdlite"]["cpu_s_per_minute_of_video"],
        "embed": results["features"]["extraction"]["all_modalities_cpu_s_per_video_minute"],
    }


def define_env(env: Any) -> None:
    results = load_results()
    env.variables["results"] = results
    for name, function in {"fmt": fmt, "num": num, "pct": pct, "pm": pm, "ms": ms}.items():
        env.filter(function, name)
    for function in (table, table_of, default, params_table, params_reference, constant):
        env.macro(function)

    @env.macro
    def label_issues_table() -> str:
        """The audit benchmark: the default and the alternatives worth comparing."""
        li = results["label_issues"]
        rows = []
        for method, filter_by in (
            ("modality_probes", "prune_by_noise_rate"),
            ("modality_probes", "both"),
            ("modality_probes", "low_normalized_margin"),
            ("probe", "prune_by_noise_rate"),
            ("model", "prune_by_noise_rate"),
        ):
            r = li[method][filter_by]
            name = {"probe": "probe (one on all modalities)", "model": "the train stage's CHFEN"}
            label = f"{name.get(method, method)}, {filter_by}"
            if (method, filter_by) == (li["default"]["method"], li["default"]["filter_by"]):
                label += " (default)"
            rows.append(
                [
                    label,
                    fmt(r["oof_accuracy_mean"], 2),
                    pm({"mean": r["precision_mean"], "std": r["precision_std"]}, 2),
                    pm({"mean": r["recall_mean"], "std": r["recall_std"]}, 2),
                    fmt(r["f1_mean"], 2),
                    fmt(r["flagged_mean"], 1),
                ]
            )
        header = ["out-of-fold model, filter_by", "out-of-fold accuracy", "precision", "recall"]
        return table([*header, "F1", "flagged"], rows)

    @env.macro
    def label_issues_min(metric: str) -> float:
        """The default's worst seed on ``metric`` (precision or recall)."""
        li = results["label_issues"]
        method, filter_by = li["default"]["method"], li["default"]["filter_by"]
        return min(seed[method][filter_by][metric] for seed in li["per_seed"])

    @env.macro
    def separation_table() -> str:
        """The speech backends (and classic) on speech over music, and their cost."""
        sep = results["separation"]
        levels = ("-5dB", "+0dB", "+5dB")
        rows = []
        for backend, label in (
            ("speech_onnxruntime", "speech, onnxruntime (default)"),
            ("speech_libdf", "speech, libdf"),
            ("classic", "classic (for comparison)"),
        ):
            on_music = sep["speech_over_music"]["backends"][backend]
            cost = sep["cost"][backend]
            gains = " / ".join(f"{fmt(on_music[lv]['speech_sdr_improvement'], 1)}" for lv in levels)
            per_min = sum(on_music[lv]["cpu_s_per_audio_min"] for lv in levels) / len(levels)
            if "stereo" in cost:
                long_cost = (
                    f"{fmt(cost['stereo']['cpu_s_per_audio_min'], 1)} / "
                    f"{fmt(cost['dual_mono']['cpu_s_per_audio_min'], 1)}"
                )
                memory = f"{fmt(cost['peak_rss_mb'] / 1024, 2)} GB"
            else:
                long_cost, memory = f"{fmt(cost['cpu_s_per_audio_min'], 1)} (stereo)", ""
            rows.append(
                [
                    label,
                    gains,
                    fmt(on_music["+0dB"]["min_speech_sdr_improvement"], 1),
                    fmt(per_min, 1),
                    long_cost,
                    memory,
                ]
            )
        header = [
            "backend",
            "speech SDR improvement (dB) at −5 / 0 / +5 dB speech-to-music",
            "worst clip at 0 dB (dB)",
            "CPU s per audio-minute, mono 16 kHz",
            "CPU s per minute of 44.1 kHz stereo / dual mono",
            "peak memory, 60 s stereo",
        ]
        return table(header, rows)

    @env.macro
    def tracking_table() -> str:
        """Each tracking setting: MOT17-02 detection, walking-video cost and output, close-ups."""
        tr = results["tracking"]

        def measured(value: object, digits: int) -> str:
            return "not measured" if value is None else fmt(value, digits)

        official = tr["mot17_02"]["official_detections"]
        rows = [
            [
                "official FRCNN det.txt (reference)",
                f"{fmt(official['detections']['recall'], 3)} / "
                f"{fmt(official['detections']['precision'], 3)}",
                f"{fmt(official['tracker_n_init_1']['mota'], 3)} / "
                f"{fmt(official['oracle_bound']['mota'], 3)}",
                "",
                "",
                "",
            ]
        ]
        labels = {
            "hog": "hog",
            "ssdlite": "ssdlite (default)",
            "ssdlite_fine_pass": "ssdlite, `tile_side: 0`, `fine_every: 2` (the default before "
            "issue 28)",
            "ssdlite_fine_every_run": "ssdlite, `fine_every: 1`",
            "ssdlite_every_frame": "ssdlite, `detect_every: 1`, `fine_every: 1`, `max_age: 15` "
            "(the detector on every frame)",
        }
        for name, label in labels.items():
            st = tr["settings"][name]
            parts = st["cpu_s_per_minute_by_part"]
            by_part = ", ".join(
                fmt(parts[k], 1)
                for k in ("detector", "faces_mtcnn", "decode_ffmpeg", "tracker_and_embedder")
            )
            recall, precision = st["mot17_recall_precision"]
            rows.append(
                [
                    label,
                    f"{fmt(recall, 3)} / {fmt(precision, 3)}",
                    f"{measured(st['mot17_tracker_mota_n_init_1'], 3)} / "
                    f"{measured(st['mot17_oracle_bound_mota'], 3)}",
                    f"{st['walking_unique_persons']}, {fmt(st['cpu_s_per_minute_of_video'], 1)} "
                    f"({by_part})",
                    st["walking_labelled_seconds"]["with_a_person_reported"],
                    f"{st['close_up_seconds_with_persons']} of "
                    f"{tr['close_ups']['totals']['frames']}",
                ]
            )
        header = [
            "setting",
            "MOT17-02 recall / precision (640-px frames)",
            "tracker MOTA / oracle bound of its detections",
            "walking video: persons, whole-stage CPU s per video-minute (detector, MTCNN, "
            "decoding, tracker)",
            "walking video: labelled seconds with a person where one is reported",
            "close-up clips: seconds with persons",
        ]
        return table(header, rows)

    @env.macro
    def real_data_table() -> str:
        """Each public protocol: CHFEN, its linear probe and the majority class on the same test
        items (mean ± std over seeds for CHFEN; the baselines do not depend on the seed)."""
        rd = results["real_data"]
        protocols = {
            "ravdess": "RAVDESS audio, actors 1-8 -> 9-12",
            "meld": "MELD text (titles), train -> dev",
        }
        metrics = ("accuracy", "macro_f1", "weighted_f1")
        rows = []
        for key, label in protocols.items():
            run = rd[key]
            summary = run["summary"]
            classes = len(run["runs"][0]["classes"])
            name = f"{label}, {classes} classes incl. neutral ({len(run['seeds'])} seeds)"
            rows.append([name, "CHFEN", *(pm(summary["model"][m]) for m in metrics)])
            for method in ("probe", "majority"):
                cells = [fmt(summary[method][m]["mean"]) for m in metrics]
                rows.append(["", "linear probe" if method == "probe" else method, *cells])
        return table(["protocol", "method", "accuracy", "macro-F1", "weighted-F1"], rows)

    @env.macro
    def real_data_seeds(protocol: str, metric: str) -> str:
        """Each seed's figure of CHFEN on ``protocol``, in seed order."""
        return " / ".join(
            fmt(r["rows"]["model"][metric]) for r in results["real_data"][protocol]["runs"]
        )

    @env.macro
    def model_table() -> str:
        """benchmarks.model: every variant with the search off, and the default recipe."""
        off = results["model_search_off"]["models"]
        on = results["model"]["models"]
        labels = {
            "chfen": "CHFEN (hybrid, conditional query, face/scene fusion)",
            "chfen_early_fusion": "CHFEN, `fusion: early`",
            "chfen_late_fusion": "CHFEN, `fusion: late`",
            "chfen_no_conditional_query": "CHFEN, `conditional_query: false`",
            "chfen_no_face_scene_fusion": "CHFEN, `face_scene_fusion: false`",
            "late_mlp": "late-fusion MLP baseline",
        }
        rows = [
            [
                label,
                fmt(off[k]["cv_macro_f1_mean"]),
                fmt(on[k]["cv_macro_f1_mean"]) if k in on else "",
            ]
            for k, label in labels.items()
        ]
        unimodal = [k for k in off if k.startswith("unimodal_")]
        rows.append(
            [
                "unimodal: " + " / ".join(k.removeprefix("unimodal_") for k in unimodal),
                " / ".join(fmt(off[k]["cv_macro_f1_mean"]) for k in unimodal),
                "",
            ]
        )
        header = ["model", "out-of-fold macro-F1, search off", "with `train.search` and members"]
        return table(header, rows)

    @env.macro
    def sharing_table() -> str:
        """What each kind of output weighs in the first push and in the push after one video."""
        pipeline = results["sharing"]["pipeline"]
        full, inc = pipeline["full_push"]["by_kind"], pipeline["increment_push"]["by_kind"]
        rows = [
            [
                kind,
                fmt(full[kind]["bytes"] / 1e6, 2),
                fmt(inc.get(kind, {"bytes": 0})["bytes"] / 1e6, 2),
            ]
            for kind in full
        ]
        return table(["what", "first push (MB)", "after adding a video (MB)"], rows)

    @env.macro
    def crawl_cost(clips: int = 100_000, clip_s: float = 30.0, cores: int = 16) -> str:
        """The per-stage costs, and what a crawl of ``clips`` clips of ``clip_s`` seconds takes
        in CPU-hours and on 1, 8 and 32 nodes of ``cores`` cores."""
        costs = stage_costs(results)
        total = sum(costs.values())
        minutes = clips * clip_s / 60
        cpu_hours = minutes * total / 3600
        ray_s = clips * results["scale"]["ray_overhead"]["executor_seconds_per_video"]
        rows = [[stage, cost] for stage, cost in costs.items()]
        rows.append(["**all**", total])
        body = table(["stage", "CPU s per video-minute"], rows, 1)
        nodes = ", ".join(f"{cpu_hours / (n * cores):.1f} h on {n}" for n in (1, 8, 32))
        return (
            f"{body}\n\nA crawl of {clips:,} clips of {clip_s:g} s is {minutes:,.0f} "
            f"video-minutes: {minutes:,.0f} x {total:.1f} s = {cpu_hours:,.0f} CPU-hours; Ray "
            f"adds {clips:,} x {ms(results['scale']['ray_overhead']['executor_seconds_per_video'])}"
            f" ms = {ray_s / 60:.0f} minutes of scheduling, spread over the cluster. On nodes of "
            f"{cores} cores: {nodes} nodes."
        )
