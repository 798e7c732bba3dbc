"""Per-modality labels supervise CHFEN's modality heads (issue 17, part 5): where annotators said
what a modality carries, that head learns it; evaluate and predict read the heads back."""

import numpy as np
import pytest
import torch

from model.data import FeatureDataset
from model.inference import infer, modality_heads
from model.train import branch_loss, train
from pipeline.params import ALL_MODALITIES
from pipeline.plutchik import wheel
from tests.debug_params import train_params
from tests.model.synthetic_store import build

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

NAMES = wheel().names


def _opposite_titles(entries):
    """Every title labelled (by its own annotators) with the emotion opposite the overall one:
    the title features carry the overall class, so only the title label can teach the head."""
    return [
        e.model_copy(
            update={
                "modality_labels": {"title": {NAMES[(NAMES.index(e.label.primary) + 4) % 8]: 1}}
            }
        )
        for e in entries
    ]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = _opposite_titles(build(root, n=32, noise=0.3))
    return FeatureDataset(entries, root, ALL_MODALITIES, "primary8")


def test_the_dataset_carries_modality_targets_only_where_labelled(data):
    example = data[0]
    assert example["target_title_mask"] and not example["target_visual_mask"]
    assert example["target_title"].argmax() == (example["target"].argmax() + 4) % 8
    assert example["target_visual"].sum() == 0


def test_a_labelled_modality_head_is_trained_on_its_own_label():
    """The title row of the branches is scored against the title label where one is given."""
    n = 8
    target = torch.eye(n)[[0, 1]]
    title = torch.eye(n)[[5, 1]]
    batch = {
        "target": target,
        "label": target.argmax(1),
        "target_title": title,
        "target_title_mask": torch.tensor([True, False]),
    }
    logits = torch.zeros(2, 2, n)
    logits[:, 0] = 20 * target  # joint: right on the overall label
    logits[:, 1] = 20 * title  # title: right on the title label (and, for sample 2, on both)
    out = {"logits": logits[:, 0], "branches": logits, "present": torch.ones(2, 2, dtype=bool)}
    weights = torch.ones(n)
    with_heads = branch_loss(out, batch, weights, soft=True, names=("joint", "title"))
    without = branch_loss(out, batch, weights, soft=True)
    assert with_heads < 0.01 and without > 1.0


@pytest.mark.parametrize("use", [True, False])
def test_heads_follow_the_modality_labels_only_when_asked(data, use):
    params = train_params(epochs=80, patience=80, modality_labels=use)
    result = train(data, None, params)
    probs, targets = modality_heads(result.model, data)["title"]
    agreement = float(np.mean(probs.argmax(1) == targets.argmax(1)))
    if use:
        assert agreement >= 0.75
    else:
        assert agreement <= 0.2  # the head reads the overall emotion from the title instead
    if use:
        heads = infer(result.model, data[0], ALL_MODALITIES).heads
        assert heads["title"].argmax() == data[0]["target_title"].argmax()
