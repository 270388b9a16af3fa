"""PyTorch reference of the vfmkit text tower, from torch's own transformer layer.

Reads {"config": {...}, "weights": {name: {"shape": [...], "data": [...]}}, "ids": [[...]], "mask": [[...]]}
on stdin and prints the pooled, projected embeddings [B, embedDim] as JSON. The blocks are
torch.nn.TransformerEncoderLayer (pre-norm, exact GELU, no dropout) with src_key_padding_mask, so the
masking, attention and MLP are torch's code, not a transcription of ours.
"""
import json
import sys

import torch

torch.set_num_threads(1)
req = json.load(sys.stdin)
c = req["config"]
w = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]) for k, v in req["weights"].items()}
d = c["width"]
hidden = round(d * c["mlpRatio"])

layers = []
for i in range(c["depth"]):
    p = f"blocks.{i}"
    layer = torch.nn.TransformerEncoderLayer(
        d, c["heads"], dim_feedforward=hidden, dropout=0.0, activation="gelu",
        layer_norm_eps=1e-6, batch_first=True, norm_first=True, dtype=torch.float64,
    )
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(w[f"{p}.attn.qkv.weight"])
        layer.self_attn.in_proj_bias.copy_(w[f"{p}.attn.qkv.bias"])
        layer.self_attn.out_proj.weight.copy_(w[f"{p}.attn.proj.weight"])
        layer.self_attn.out_proj.bias.copy_(w[f"{p}.attn.proj.bias"])
        layer.linear1.weight.copy_(w[f"{p}.mlp.fc1.weight"])
        layer.linear1.bias.copy_(w[f"{p}.mlp.fc1.bias"])
        layer.linear2.weight.copy_(w[f"{p}.mlp.fc2.weight"])
        layer.linear2.bias.copy_(w[f"{p}.mlp.fc2.bias"])
        layer.norm1.weight.copy_(w[f"{p}.norm1.weight"])
        layer.norm1.bias.copy_(w[f"{p}.norm1.bias"])
        layer.norm2.weight.copy_(w[f"{p}.norm2.weight"])
        layer.norm2.bias.copy_(w[f"{p}.norm2.bias"])
    layer.train()  # the slow (reference) path: no fused kernel, no nested tensors; dropout is 0
    layers.append(layer)

ids = torch.tensor(req["ids"], dtype=torch.long)
mask = torch.tensor(req["mask"], dtype=torch.float64)
length = ids.shape[1]
x = torch.nn.functional.embedding(ids, w["token_embed.weight"]) + w["pos_embed"][:length]
pad = mask == 0
for layer in layers:
    x = layer(x, src_key_padding_mask=pad)
x = torch.nn.functional.layer_norm(x, (d,), w["norm.weight"], w["norm.bias"], eps=1e-6)
if c["pooling"] == "first":
    pooled = x[:, 0]
else:
    pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
out = torch.nn.functional.linear(pooled, w["proj.weight"], w["proj.bias"])
json.dump(out.tolist(), sys.stdout)
