"""The Label Studio round trip against a real server (``make setup`` installs it in
``.venv-labelstudio``): create a project with chfen's config, import chfen's tasks, annotate as
two users through the API, export, read the export back as sheet rows with chfen."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from chfen.annotate.labelstudio import import_export, labeling_config, task
from chfen.annotate.sheets import ItemInfo

REPO = Path(__file__).resolve().parents[3]
LS_BIN = Path(os.environ.get("LABEL_STUDIO_VENV", REPO / ".venv-labelstudio")) / "bin/label-studio"
ADMIN, ADMIN_TOKEN = "admin@chfen.test", "chfen-test-token-admin"
SECOND, SECOND_PASSWORD = "bo@chfen.test", "chfen-test-pass-bo"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not LS_BIN.is_file(),
        reason=f"no Label Studio at {LS_BIN}: `make setup` installs it "
        "(scripts/labelstudio-venv.sh)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        # offline: no update check, no analytics, no error reporting
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": str(tmp_path / "ls"),
        "HOME": str(tmp_path),
    }
    log = open(tmp_path / "label-studio.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            str(LS_BIN),
            "start",
            "--no-browser",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "ls"),
            "--username",
            ADMIN,
            "--password",
            "chfen-test-pass-admin",
            "--user-token",
            ADMIN_TOKEN,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Label Studio exited: {(tmp_path / 'label-studio.log').read_text()}")
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Label Studio did not answer /health within 300 s")
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _second_user_token(url: str) -> str:
    """Sign a second annotator up through the web form and read their API token."""
    s = requests.Session()
    s.get(f"{url}/user/signup/", timeout=30)
    r = s.post(
        f"{url}/user/signup/",
        data={
            "email": SECOND,
            "password": SECOND_PASSWORD,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        headers={"Referer": f"{url}/user/signup/"},
        timeout=30,
    )
    r.raise_for_status()
    return s.get(f"{url}/api/current-user/token", timeout=30).json()["token"]


def _results(**cells):
    out = []
    for name, value in cells.items():
        if name == "confidence":
            out.append(
                {
                    "from_name": name,
                    "to_name": "video",
                    "type": "rating",
                    "value": {"rating": value},
                }
            )
        else:
            to_name = {"title_label": "title", "text_label": "subtitles"}.get(name, "video")
            out.append(
                {
                    "from_name": name,
                    "to_name": to_name,
                    "type": "choices",
                    "value": {"choices": [value]},
                }
            )
    return out


def test_round_trip_through_a_real_label_studio(server):
    from label_studio_sdk import LabelStudio

    admin = LabelStudio(base_url=server, api_key=ADMIN_TOKEN)
    bo = LabelStudio(base_url=server, api_key=_second_user_token(server))
    items = [
        ItemInfo(
            video_id=f"v{i}",
            video_file=f"v{i}.mp4",
            title=f"标题 {i}",
            duration_s=12.5,
            subtitles="字幕" if i else "",
        )
        for i in range(3)
    ]
    project = admin.projects.create(title="chfen round 2", label_config=labeling_config())
    admin.projects.import_tasks(
        id=project.id, request=[task(it, f"/data/local-files/?d={it.video_file}") for it in items]
    )
    tasks = {t.data["video_id"]: t.id for t in admin.tasks.list(project=project.id)}
    assert set(tasks) == {"v0", "v1", "v2"}

    planned = {
        (ADMIN, "v0"): {"label": "fear", "visual_label": "joy", "intensity": "high"},
        (ADMIN, "v1"): {"label": "joy", "confidence": 5},
        (SECOND, "v0"): {"label": "fear", "title_label": "anger", "text_label": "neutral"},
        (SECOND, "v2"): {"label": "neutral", "audio_label": "sadness", "confidence": 2},
    }
    for (user, video_id), cells in planned.items():
        client = admin if user == ADMIN else bo
        client.annotations.create(id=tasks[video_id], result=_results(**cells))

    export = json.loads(b"".join(admin.projects.exports.download_sync(project.id)))
    users = {u.id: u.email for u in admin.users.list()}
    rows, problems = import_export(export, round_=2, users=users)

    assert problems == []
    got = {(r.annotator, r.video_id): r for r in rows}
    assert set(got) == set(planned)
    assert all(r.round == 2 for r in rows)
    v0 = got[(ADMIN, "v0")]
    assert (v0.label, v0.visual_label, v0.intensity) == ("fear", "joy", 3)
    assert got[(ADMIN, "v1")].confidence == 5
    bo_v0 = got[(SECOND, "v0")]
    assert (bo_v0.label, bo_v0.title_label, bo_v0.text_label) == ("fear", "anger", "neutral")
    bo_v2 = got[(SECOND, "v2")]
    assert (bo_v2.label, bo_v2.audio_label, bo_v2.confidence) == ("neutral", "sadness", 2)
