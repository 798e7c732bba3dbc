"""The track tests run torch models (MobileNetV2, MTCNN, tiny YOLO) on a shared 2-core CPU."""

import socket

import pytest


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One intra-op thread, as each stage worker uses: with other processes busy on the same
    cores, torch's default of one thread per core was measured several times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_yolo(tmp_path_factory):
    """A random-weight YOLOv8n built from ultralytics' yaml (no download) and saved as .pt, its
    class biases raised so it emits confident boxes: the real weights' loading path, untrained."""
    import torch
    from ultralytics import YOLO

    model = YOLO("yolov8n.yaml")
    for branch in model.model.model[-1].cv3:
        torch.nn.init.constant_(branch[-1].bias, 3.0)
    path = tmp_path_factory.mktemp("yolo") / "tiny.pt"
    model.save(path)
    return path


@pytest.fixture
def no_network(monkeypatch):
    """Every connection or name lookup is recorded and refused."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts
