"""PyTorch peer of the vfmkit video ViT for the throughput benchmark (same architecture, same weights).

Usage: torch_vit.py CHECKPOINT.safetensors CLIPS.f32
Reads our checkpoint (timm-style names, PyTorch layouts, config in metadata `vit_config`) and clips
[B, T, H, W, 3] in [0, 1], then serves commands on stdin, one JSON line out per command, so the caller
can interleave PyTorch and ONNX Runtime runs:
  `time B`          -> {"ms": one timed forward of the first B clips, 2 threads}
  `dump B PATH`     -> writes pooled features [B, D] to PATH (raw float32)
  `peak`            -> {"gflops": fp32 matmul peak, numpy/OpenBLAS 2048^3, median of 5}
  `export PATH`     -> writes the same forward as ONNX with torch.onnx.export (opset 17, dynamic batch)
"""
import json
import struct
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/python"))
from blas_check import check_blas  # noqa: E402  first: sets OMP_WAIT_POLICY=PASSIVE before torch loads

import numpy as np
import torch
import torch.nn.functional as F


check_blas(torch)
torch.set_num_threads(2)


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    w = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        w[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(info["shape"]).copy())
    return json.loads(meta["vit_config"]), w


def forward(c, w, clips):
    b, T, H, W, C = clips.shape
    t, p, q = c["tubelet"]
    mean = torch.tensor(c["pixelMean"])
    std = torch.tensor(c["pixelStd"])
    x = (clips - mean) / std
    x = x.reshape(b, T // t, t, H // p, p, W // q, q, C).permute(0, 1, 3, 5, 2, 4, 6, 7)
    x = x.reshape(b, -1, t * p * q * C)
    x = F.linear(x, w["patch_embed.weight"], w["patch_embed.bias"]) + w["pos_embed"]
    d, h = c["width"], c["heads"]
    eps = c["layerNormEps"]
    n = x.shape[1]
    for i in range(c["depth"]):
        k = f"blocks.{i}."
        y = F.layer_norm(x, (d,), w[k + "norm1.weight"], w[k + "norm1.bias"], eps)
        qkv = F.linear(y, w[k + "attn.qkv.weight"], w.get(k + "attn.qkv.bias"))
        qkv = qkv.reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        qh, kh, vh = qkv[0], qkv[1], qkv[2]
        att = torch.softmax((qh * (d // h) ** -0.5) @ kh.transpose(-1, -2), dim=-1)
        o = (att @ vh).transpose(1, 2).reshape(b, n, d)
        x = x + F.linear(o, w[k + "attn.proj.weight"], w[k + "attn.proj.bias"])
        y = F.layer_norm(x, (d,), w[k + "norm2.weight"], w[k + "norm2.bias"], eps)
        x = x + F.linear(F.gelu(F.linear(y, w[k + "mlp.fc1.weight"], w[k + "mlp.fc1.bias"])), w[k + "mlp.fc2.weight"], w[k + "mlp.fc2.bias"])
    x = F.layer_norm(x, (d,), w["norm.weight"], w["norm.bias"], eps)
    return x.mean(1)


def median_ms(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


def main():
    ckpt, clips_path = sys.argv[1:3]
    c, w = read(ckpt)
    T, (H, W) = c["frames"], c["imageSize"]
    all_clips = torch.from_numpy(np.fromfile(clips_path, dtype=np.float32).reshape(-1, T, H, W, 3))
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    with torch.no_grad():
        for line in sys.stdin:
            cmd = line.split()
            if not cmd:
                continue
            if cmd[0] == "time":
                clips = all_clips[: int(cmd[1])].contiguous()
                t0 = time.perf_counter()
                forward(c, w, clips)
                print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
            elif cmd[0] == "dump":
                forward(c, w, all_clips[: int(cmd[1])].contiguous()).numpy().astype(np.float32).tofile(cmd[2])
                print(json.dumps({"ok": True}), flush=True)
            elif cmd[0] == "export":
                class Vit(torch.nn.Module):
                    def forward(self, clips):
                        return forward(c, w, clips)

                torch.onnx.export(Vit(), all_clips[:1].contiguous(), cmd[1], input_names=["clips"], output_names=["pooled"],
                                  dynamic_axes={"clips": {0: "batch"}, "pooled": {0: "batch"}}, opset_version=17)
                print(json.dumps({"ok": True}), flush=True)
            elif cmd[0] == "peak":
                a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
                ms = median_ms(lambda: a @ a, 5)
                print(json.dumps({"gflops": 2 * 2048**3 / (ms / 1000) / 1e9}), flush=True)


main()
