"""Build a tiny chat model (Llama architecture, byte-level BPE tokenizer) in a directory.

Runs in the third-party server's own venv (transformers + torch), not in ours: no hub download
is possible on the build machines, so the weights and tokenizer are made here, from nothing.

Random weights would babble until ``max_tokens`` (every reply cut by "length", so nothing about
its content could be judged). Instead the weights are set so that the model, greedily, answers
every prompt with ``REPLY`` and then its end-of-turn token: the decoder layers add nothing to
the residual stream, and the output matrix maps each token's embedding to the next token's
logit (a bigram table). A short, deterministic, finished reply makes stream-equivalence and
response_format judgeable on a real third-party server.

Usage: python bench/_tiny_model.py DIR
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

# A chat template in the usual ChatML shape: transformers serve renders the conversation with it.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{% if part['type'] == 'text' %}"
    "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# A little English and JSON, so that merges exist; byte-level BPE encodes any text anyway.
CORPUS = [
    "Hello! How are you today? I am fine, thank you. The weather is nice.",
    '{"name": "Alice", "age": 30, "tags": ["a", "b"], "ok": true, "score": 1.5}',
    "Describe the image. Summarise the document. Answer in JSON. Turn one, turn two.",
] * 20
# The answer to every prompt: a JSON object (valid for json_object, wrong for most schemas).
REPLY = '{"ok": true}'


def build(directory: Path) -> None:
    import torch  # type: ignore[import-not-found, unused-ignore]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # type: ignore[import-not-found, unused-ignore]
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # type: ignore[import-not-found, unused-ignore]

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    raw.train_from_iterator(CORPUS, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    _make_bigram(model, _chain(tokenizer))
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.do_sample = False
    _check(model, tokenizer)
    model.save_pretrained(directory)


def _chain(tokenizer: Any) -> list[int]:
    """The token ids the model must produce in turn: the prompt's last token, REPLY, end."""
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=True
    )
    ids = list(prompt["input_ids"] if hasattr(prompt, "keys") else prompt)
    reply = tokenizer.encode(REPLY, add_special_tokens=False)
    chain = [ids[-1], *reply, tokenizer.eos_token_id]
    if len(set(chain)) != len(chain):
        raise SystemExit(f"REPLY must not repeat a token (a bigram table cannot): {chain}")
    return chain


def _make_bigram(model: Any, chain: list[int]) -> None:
    import torch  # type: ignore[import-not-found, unused-ignore]

    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        embeddings = model.model.embed_tokens.weight
        head = model.lm_head.weight
        head.zero_()
        for current, following in itertools.pairwise(chain):
            direction = embeddings[current] / embeddings[current].norm()
            head[following] += 40 * direction


def _check(model: Any, tokenizer: Any) -> None:
    """Greedy generation must give REPLY for any prompt, then stop."""
    for text in ("hi", "Describe this image in detail, please.", '{"x": 1}'):
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": text}], add_generation_prompt=True, return_tensors="pt"
        )
        ids = ids["input_ids"] if hasattr(ids, "keys") else ids
        out = model.generate(ids, max_new_tokens=32, do_sample=False)
        got = tokenizer.decode(out[0][ids.shape[1] :], skip_special_tokens=True)
        if got != REPLY:
            raise SystemExit(f"the tiny model answers {got!r}, not {REPLY!r}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    build(Path(sys.argv[1]))
