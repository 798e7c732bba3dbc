import pytest

from pipeline import weights
from pipeline.weights import MissingWeights, WeightsSpec, fingerprint, resolve

SPEC = WeightsSpec(
    family="demo",
    names=("tiny.th",),
    how_to_get="run `chfen models fetch demo` on a machine with network",
    offline_alternative="demo.backend: classic",
)


def test_missing_weights_message_names_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    with pytest.raises(MissingWeights) as e:
        resolve(SPEC, explicit=tmp_path / "given.th", extra_dirs=[tmp_path / "hub"])
    msg = str(e.value)
    for part in ("tiny.th", "given.th", str(tmp_path / "models" / "demo" / "tiny.th"), "hub",
                 "chfen models fetch demo", "demo.backend: classic"):  # fmt: skip
        assert part in msg


def test_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "tiny.th").write_bytes(b"hub")
    assert resolve(SPEC, extra_dirs=[hub]) == hub / "tiny.th"
    (tmp_path / "models" / "demo").mkdir(parents=True)
    (tmp_path / "models" / "demo" / "tiny.th").write_bytes(b"project")
    assert resolve(SPEC, extra_dirs=[hub]) == tmp_path / "models" / "demo" / "tiny.th"
    explicit = tmp_path / "mine.th"
    explicit.write_bytes(b"mine")
    assert resolve(SPEC, explicit=explicit, extra_dirs=[hub]) == explicit


def test_fingerprint_follows_content(tmp_path):
    a = tmp_path / "w"
    a.mkdir()
    (a / "x.bin").write_bytes(b"1")
    first = fingerprint(a)
    (a / "x.bin").write_bytes(b"2")
    assert fingerprint(a) != first
    assert len(first) == 16
