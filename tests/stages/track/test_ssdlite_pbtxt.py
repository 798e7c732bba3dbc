"""scripts/ssdlite_pbtxt.py regenerates the committed SSDLite layer description from the wheel."""

import subprocess
import sys
from pathlib import Path

from stages.track.ssdlite import LAYERS

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "ssdlite_pbtxt.py"


def test_the_script_rewrites_the_committed_pbtxt_byte_for_byte(tmp_path):
    out = tmp_path / "layers.pbtxt"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True)
    assert out.read_bytes() == LAYERS.read_bytes()
