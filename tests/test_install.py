"""The package installed as a user installs it: `pip install /path/to/checkout` (not editable)
into a fresh venv, then used from a folder outside the checkout. The model's 1.1 GB file is
reused from the checkout (linked into the user's data folder), never downloaded twice; every
other dependency comes from the package index as for a user."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow
QUESTION = "When did Putin and Zelensky last meet?"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the checkout installed in it; yields (its bin folder, an environment
    with no FACTCHECK_* variable and its own user data folder)."""
    from factcheck import model_files

    model = model_files.model_path()  # the checkout's model, checked (`make` assembled it)
    base = tmp_path_factory.mktemp("fresh")
    venv = base / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(ROOT)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FACTCHECK_", "OPENAI_", "VIRTUAL_ENV"))}
    env |= {"XDG_DATA_HOME": str(base / "xdg"), "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"}
    # The user's data folder gets the checkout's model, linked (the checked-hash stamp copied).
    user_models = base / "xdg" / "factcheck" / "models"
    user_models.mkdir(parents=True)
    (user_models / model.name).symlink_to(model)
    shutil.copy(model.with_suffix(".sha256"), user_models)
    yield venv / "bin", env, base


def factcheck(installed, *args, cwd, timeout=600):
    bin_dir, env, _ = installed
    return subprocess.run([str(bin_dir / "factcheck"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_installed_package_ingests_answers_with_a_citation_and_serves_the_app(installed, tmp_path):
    bin_dir, env, base = installed
    work = tmp_path / "newsroom"  # any folder: no checkout, no prompts/ or models/ beside it
    work.mkdir()
    r = factcheck(installed, "--version", cwd=work)
    assert r.returncode == 0 and r.stdout.startswith("factcheck ")
    # Prompts, the app and the tokenizer come from the installed package, not the checkout.
    where = subprocess.run([str(bin_dir / "python"), "-c",
                            "import factcheck.prompts as p, factcheck.launch as l, factcheck.model_files as m;"
                            "print(p.PROMPTS); print(l.app_path()); print(m.default_dir())"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    site = str(base / "venv")
    assert where[0].startswith(site) and where[1].startswith(site)
    assert where[2] == str(base / "xdg" / "factcheck" / "models")
    assert str(ROOT) not in " ".join(where)

    r = factcheck(installed, "models", "install", cwd=work)  # already there: nothing downloaded
    assert r.returncode == 0, r.stderr
    assert "local model ready" in r.stdout and str(base / "xdg" / "factcheck" / "models") in r.stdout

    article = ROOT / "corpus" / "kyiv-post-putin-zelensky.md"
    r = factcheck(installed, "ingest", str(article), cwd=work)
    assert r.returncode == 0 and "added 1" in r.stdout, r.stdout + r.stderr
    r = factcheck(installed, "stats", cwd=work)
    assert f"corpus {work / '.data'} (from the default: .data in the current folder)" in r.stdout

    r = factcheck(installed, "ask", QUESTION, "--as-of", "2026-02-01", "--json", cwd=work)
    assert r.returncode == 0, r.stderr[-2000:]
    answer = json.loads(r.stdout)
    assert not answer["abstained"] and "2019" in answer["text"] and "[1]" in answer["text"], answer
    assert answer["citations"][0]["source"] == "Kyiv Post" and "have not met since 2019" in answer["citations"][0]["quote"]

    port = free_port()
    app = subprocess.Popen([str(bin_dir / "factcheck"), "app", "--port", str(port)], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        page = health = None
        for _ in range(120):
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read().decode()
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                assert app.poll() is None, app.stdout.read().decode()[-3000:]
                time.sleep(1)
        assert health == "ok" and "<title>" in page and "<div id=\"root\">" in page
    finally:
        app.terminate()
        app.wait(30)
    # The installed app script runs (the page the server sends only loads it): Streamlit's AppTest.
    script = (f"from streamlit.testing.v1 import AppTest\n"
              f"at = AppTest.from_file({where[1]!r}, default_timeout=300).run()\n"
              "assert not at.exception, at.exception\n"
              "print(at.title[0].value if at.title else '', [t.label for t in at.tabs])\n")
    r = subprocess.run([str(bin_dir / "python"), "-c", script], cwd=work, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Ask" in r.stdout and "Corpus" in r.stdout
