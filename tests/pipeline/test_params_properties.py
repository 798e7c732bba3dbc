"""Property tests: whatever params.yaml holds, load_params returns valid Params or raises a
ParamsError that names the file, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pipeline.params import Params, ParamsError, load_params


def _field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, info in model.model_fields.items():
        names.append(name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _field_names(annotation)
    return names


# Real key names (so generated documents reach the validators, not only "unknown key"),
# plus arbitrary ones.
KEYS = st.sampled_from(sorted(set(_field_names(Params)))) | st.text(max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["auto", "offline", "full", "hog", "yolo", "cpu", "-1", "1e309", ".nan"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
DOCUMENTS = (
    st.dictionaries(st.sampled_from(list(Params.model_fields)) | KEYS, VALUES, max_size=6) | VALUES
)

SCRATCH = Path(tempfile.mkdtemp(prefix="chfen-params-"))


def _load(content: bytes | str, section: Any = None) -> None:
    path = SCRATCH / "params.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    try:
        params = load_params(path, section=section)
    except ParamsError as e:
        assert str(path) in str(e)
        return
    assert isinstance(params, Params)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.sampled_from([None, "clean", "train", ("embed", "store"), "nope"]))
def test_any_yaml_document_loads_or_is_a_params_error(doc: Any, section: Any) -> None:
    _load(yaml.safe_dump(doc, allow_unicode=True), section)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_is_a_params_error(text: str) -> None:
    _load(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_load_or_are_a_params_error(data: bytes) -> None:
    _load(data)


def test_hostile_yaml_is_a_params_error_not_code(tmp_path: Path) -> None:
    """Python tags, billion-laughs aliases and deep nesting are refused or harmless."""
    for text in (
        "!!python/object/apply:os.system ['touch pwned']\n",
        "runner: !!python/name:os.system\n",
        "a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b]\n",
        "clean: " + "[" * 5000 + "]" * 5000 + "\n",
        "\ufeffclean: {min_duration_s: .nan}\n",
        "clean: {min_duration_s: 1e309}\n",
    ):
        path = tmp_path / "params.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_params(path)
        except ParamsError as e:
            assert str(path) in str(e)
        else:
            raise AssertionError(f"accepted {text[:40]!r}")
    assert not (tmp_path / "pwned").exists()
