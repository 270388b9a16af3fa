"""numpy reference for the tokenizer's quantizer arithmetic, written from the FSQ paper's code
(Mentzer et al. 2023, appendix A.1) and MAGVIT-v2's LFQ definition. Reads a JSON list of calls on
stdin, writes a JSON list of results."""
import json
import sys

import numpy as np


def fsq(levels, z):
    levels = np.asarray(levels, dtype=np.int64)
    z = np.asarray(z, dtype=np.float64).reshape(-1, len(levels))
    eps = 1e-3
    half_l = (levels - 1) * (1 - eps) / 2
    offset = np.where(levels % 2 == 1, 0.0, 0.5)
    shift = np.tan(offset / half_l)
    bounded = np.tanh(z + shift) * half_l - offset
    half_width = levels // 2
    codes = np.round(bounded) / half_width
    basis = np.concatenate(([1], np.cumprod(levels[:-1]))).astype(np.int64)
    idx = ((codes * half_width + half_width) * basis).sum(axis=-1).round().astype(np.int64)
    back = (np.mod(np.floor_divide(idx[:, None], basis), levels) - half_width) / half_width
    return {
        "bounded": bounded.ravel().tolist(),
        "codes": codes.ravel().tolist(),
        "ids": idx.tolist(),
        "back": back.ravel().tolist(),
        "size": int(np.prod(levels)),
    }


def lfq(bits, z):
    z = np.asarray(z, dtype=np.float64).reshape(-1, bits)
    q = np.where(z > 0, 1.0, -1.0)
    idx = ((q > 0).astype(np.int64) * (2 ** np.arange(bits))).sum(-1)
    return {"codes": q.ravel().tolist(), "ids": idx.tolist()}


def stats(ids, size):
    ids = np.asarray(ids, dtype=np.int64)
    counts = np.bincount(ids, minlength=size).astype(np.float64)
    p = counts[counts > 0] / len(ids)
    h = float(-(p * np.log(p)).sum())
    return {"used": int((counts > 0).sum()), "entropy": h, "perplexity": float(np.exp(h))}


FNS = {"fsq": fsq, "lfq": lfq, "stats": stats}
calls = json.load(sys.stdin)
print(json.dumps([FNS[c["fn"]](**c["args"]) for c in calls]))
