"""PyTorch re-implementation of Hugging Face's VideoMAE encoder (modeling_videomae.py), for tests.

Usage: videomae_reference.py CHECKPOINT.safetensors CONFIG.json CLIPS.f32 B OUT.f32
Reads a checkpoint in the Hugging Face layout (with or without the `videomae.` prefix), runs clips
[B, T, H, W, 3] in [0, 1] (raw float32) and writes tokens [B, N, D], pooled [B, D] and, for a
classifier checkpoint, logits [B, K], concatenated as raw float32.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info["dtype"]
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(info["shape"]).copy())
    return out


def sinusoid_table(n, d):
    # VideoMAE get_sinusoid_encoding_table
    table = np.array([[p / np.power(10000, 2 * (j // 2) / d) for j in range(d)] for p in range(n)])
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.tensor(table, dtype=torch.float32).unsqueeze(0)


class SelfAttention(nn.Module):
    def __init__(self, d, heads, qkv_bias):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(d, d, bias=False)
        self.key = nn.Linear(d, d, bias=False)
        self.value = nn.Linear(d, d, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(d))
            self.v_bias = nn.Parameter(torch.zeros(d))
        else:
            self.q_bias = None
            self.v_bias = None

    def forward(self, x):
        b, n, d = x.shape
        k_bias = torch.zeros_like(self.v_bias) if self.q_bias is not None else None
        q = F.linear(x, self.query.weight, self.q_bias)
        k = F.linear(x, self.key.weight, k_bias)
        v = F.linear(x, self.value.weight, self.v_bias)
        split = lambda t: t.view(b, n, self.heads, d // self.heads).permute(0, 2, 1, 3)
        q, k, v = split(q), split(k), split(v)
        att = torch.softmax(q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5, dim=-1)
        return (att @ v).permute(0, 2, 1, 3).reshape(b, n, d)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.attention = nn.Module()
        self.attention.attention = SelfAttention(d, c["num_attention_heads"], c["qkv_bias"])
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(d, d)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(d, c["intermediate_size"])
        self.output = nn.Module()
        self.output.dense = nn.Linear(c["intermediate_size"], d)
        self.layernorm_before = nn.LayerNorm(d, eps=eps)
        self.layernorm_after = nn.LayerNorm(d, eps=eps)

    def forward(self, x):
        x = x + self.attention.output.dense(self.attention.attention(self.layernorm_before(x)))
        return x + self.output.dense(F.gelu(self.intermediate.dense(self.layernorm_after(x))))


class VideoMAE(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, t, p = c["hidden_size"], c["tubelet_size"], c["patch_size"]
        n = (c["num_frames"] // t) * (c["image_size"] // p) ** 2
        self.embeddings = nn.Module()
        self.embeddings.patch_embeddings = nn.Module()
        self.embeddings.patch_embeddings.projection = nn.Conv3d(3, d, kernel_size=(t, p, p), stride=(t, p, p))
        self.register_buffer("pos", sinusoid_table(n, d), persistent=False)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.mean_pool = c["use_mean_pooling"]
        self.layernorm = None if self.mean_pool else nn.LayerNorm(d, eps=c["layer_norm_eps"])

    def forward(self, pixels):  # [B, T, C, H, W] as Hugging Face takes it
        x = self.embeddings.patch_embeddings.projection(pixels.permute(0, 2, 1, 3, 4)).flatten(2).transpose(1, 2)
        x = x + self.pos
        for layer in self.encoder.layer:
            x = layer(x)
        return self.layernorm(x) if self.layernorm is not None else x


def main():
    ckpt, cfg_path, clips_path, batch, out_path = sys.argv[1:6]
    c = json.load(open(cfg_path))
    tensors = read_safetensors(ckpt)
    classifier = "classifier.weight" in tensors
    model = VideoMAE(c)
    state = {}
    for name, t in tensors.items():
        if name.startswith("decoder.") or name.startswith("encoder_to_decoder") or name == "mask_token":
            continue  # VideoMAEForPreTraining's decoder
        key = name[len("videomae."):] if name.startswith("videomae.") else name
        state[key] = t
    head = {}
    for key in ["fc_norm.weight", "fc_norm.bias", "classifier.weight", "classifier.bias"]:
        if key in state:
            head[key] = state.pop(key)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert missing == [], missing
    b = int(batch)
    t, s = c["num_frames"], c["image_size"]
    clips = torch.from_numpy(np.fromfile(clips_path, dtype=np.float32).reshape(b, t, s, s, 3))
    mean = torch.tensor([0.485, 0.456, 0.406])
    std = torch.tensor([0.229, 0.224, 0.225])
    pixels = ((clips - mean) / std).permute(0, 1, 4, 2, 3)  # [B, T, C, H, W]
    with torch.no_grad():
        tokens = model(pixels)
        pooled = tokens.mean(1)
        outs = [tokens.flatten(), pooled.flatten()]
        if classifier:
            # Hugging Face: self.fc_norm = nn.LayerNorm(config.hidden_size) -> PyTorch's default eps 1e-5
            pooled = F.layer_norm(pooled, (pooled.shape[-1],), head["fc_norm.weight"], head["fc_norm.bias"], 1e-5)
            outs = [tokens.flatten(), pooled.flatten(), F.linear(pooled, head["classifier.weight"], head["classifier.bias"]).flatten()]
    torch.cat(outs).numpy().astype(np.float32).tofile(out_path)


main()
