"""Tiny random Hugging Face checkpoints built from configs (offline), saved as the directories the
neural runners take with ``--checkpoint``: ``config.json``, ``model.safetensors``, a WordPiece
tokenizer and ``preprocessor_config.json`` with small image sizes."""

from __future__ import annotations

import json
from pathlib import Path

VOCABULARY = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "?", "a", "an", "the", "man", "woman", "adult",
              "child", "dog", "in", "on", "red", "hat", "puts", "who", "is", "video", "cut", "onion", "add",
              "salt", "pan", "person", "holds", "ball", "with", "of", "and")
PAD, CLS, SEP = 0, 2, 3
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def _tokenizer(directory: Path) -> None:
    from transformers import BertTokenizerFast

    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(VOCABULARY) + "\n")
    BertTokenizerFast(vocab=str(vocab)).save_pretrained(directory)


def save_checkpoint(model, directory: Path, image_config: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    _tokenizer(directory)
    (directory / "preprocessor_config.json").write_text(json.dumps(image_config))
    return directory


def _seeded():
    import torch

    torch.manual_seed(0)


def tiny_grounding_dino(directory: Path, mm: bool = False) -> Path:
    """A 0.2 M-parameter Grounding DINO (or MM-Grounding-DINO with ``mm``): Swin backbone, 1-layer BERT."""
    import transformers

    _seeded()
    kind = "MMGroundingDino" if mm else "GroundingDino"
    config = getattr(transformers, f"{kind}Config")(
        backbone_config={"model_type": "swin", "embed_dim": 8, "depths": [1, 1, 1, 1], "num_heads": [1, 1, 1, 1],
                         "window_size": 7, "image_size": 224, "out_features": ["stage2", "stage3", "stage4"]},
        text_config={"model_type": "bert", "vocab_size": len(VOCABULARY), "hidden_size": 32,
                     "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
                     "max_position_embeddings": 64},
        d_model=32, encoder_layers=1, decoder_layers=2, encoder_ffn_dim=16, decoder_ffn_dim=16,
        encoder_attention_heads=2, decoder_attention_heads=2, num_queries=12, num_feature_levels=4,
        max_text_len=32, encoder_n_points=1, decoder_n_points=1)
    model = getattr(transformers, f"{kind}ForObjectDetection")(config)
    return save_checkpoint(model, directory, {"size": {"shortest_edge": 48, "longest_edge": 80}})


def _clip_like(vocab_size: int) -> tuple[dict, dict]:
    text = dict(vocab_size=vocab_size, hidden_size=16, intermediate_size=16, num_hidden_layers=1,
                num_attention_heads=2, max_position_embeddings=32, bos_token_id=CLS, eos_token_id=SEP,
                pad_token_id=PAD)
    vision = dict(hidden_size=16, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2,
                  image_size=32, patch_size=8)
    return text, vision


def tiny_owlv2(directory: Path) -> Path:
    from transformers import Owlv2Config, Owlv2ForObjectDetection

    _seeded()
    text, vision = _clip_like(len(VOCABULARY))
    model = Owlv2ForObjectDetection(Owlv2Config(text_config=text, vision_config=vision, projection_dim=16))
    return save_checkpoint(model, directory, {"size": {"height": 32, "width": 32}, "image_mean": CLIP_MEAN,
                                    "image_std": CLIP_STD})


def tiny_clip(directory: Path) -> Path:
    from transformers import CLIPConfig, CLIPModel

    _seeded()
    text, vision = _clip_like(len(VOCABULARY))
    model = CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16))
    return save_checkpoint(model, directory, {"size": {"shortest_edge": 32},
                                              "crop_size": {"height": 32, "width": 32},
                                              "image_mean": CLIP_MEAN, "image_std": CLIP_STD})


def tiny_siglip(directory: Path) -> Path:
    from transformers import SiglipConfig, SiglipModel

    _seeded()
    text, vision = _clip_like(len(VOCABULARY))
    model = SiglipModel(SiglipConfig(text_config=text, vision_config=vision))
    return save_checkpoint(model, directory, {"size": {"height": 32, "width": 32}, "image_mean": (0.5, 0.5, 0.5),
                                    "image_std": (0.5, 0.5, 0.5)})


TINY_MODELS = {"grounding-dino": tiny_grounding_dino,
               "mm-grounding-dino": lambda d: tiny_grounding_dino(d, mm=True),
               "owlv2": tiny_owlv2, "clip": tiny_clip, "siglip": tiny_siglip}
