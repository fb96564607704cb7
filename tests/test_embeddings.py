import shutil

import numpy as np
import pytest

from retrieval.embeddings import OnnxMiniLM, default_model_files
from retrieval.errors import ModelFileError


def test_vectors_are_normalised_and_meaningful(embedder):
    v = embedder.embed(["Putin and Zelensky have not met since 2019.",
                        "The two presidents last met in 2019.",
                        "Gas prices hit a record high this summer."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_batch_order_and_padding_do_not_change_vectors(embedder):
    texts = ["short", "a much longer sentence about elections and polls " * 5, "medium length text here"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
    assert embedder.embed_query("short") == pytest.approx(together[0].tolist(), abs=1e-4)
    assert len(embedder.embed_documents(texts)) == 3


def test_long_text_is_truncated_not_refused(embedder):
    assert embedder.embed(["word " * 5000]).shape == (1, 384)


def test_missing_or_altered_model_is_a_clear_error(tmp_path):
    model, tok = default_model_files()
    with pytest.raises(ModelFileError, match="missing"):
        OnnxMiniLM(tmp_path / "nope.onnx", tok)
    altered = tmp_path / "model.onnx"
    shutil.copy(model, altered)
    with altered.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(ModelFileError, match="checksum"):
        OnnxMiniLM(altered, tok)
