"""Class weights: inverse class frequency to train.task.class_weights."""

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.utils.class_weight import compute_class_weight

from model.weighting import inverse_frequency
from tests.debug_params import train_params


def test_power_one_is_balanced_zero_is_uniform_and_half_is_between():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    counts = np.bincount(y, minlength=4).astype(float)  # class 3 absent
    balanced = compute_class_weight("balanced", classes=np.arange(3), y=y)
    one = inverse_frequency(counts, 1.0)
    np.testing.assert_allclose(one[:3], balanced / balanced.mean())
    assert one[3] == 0
    np.testing.assert_allclose(inverse_frequency(counts, 0.0), [1, 1, 1, 0])
    half = inverse_frequency(counts, 0.5)
    assert half[3] == 0 and half[:3].mean() == pytest.approx(1)
    ratio = lambda w: w[2] / w[0]  # noqa: E731
    assert ratio(half) == pytest.approx(np.sqrt(ratio(one)))  # rare / common: sqrt of balanced
    np.testing.assert_array_equal(inverse_frequency(np.zeros(3), 0.5), np.zeros(3))


def test_params_take_a_power_or_a_switch():
    assert train_params(class_weights=True).task.class_weights == 1.0
    assert train_params(class_weights=False).task.class_weights == 0.0
    assert train_params().task.class_weights == 0.5
    with pytest.raises(ValidationError, match="class_weights"):
        train_params(class_weights=1.5)
