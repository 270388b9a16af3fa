"""Independent numpy implementations of the published metric formulas, for parity tests.

Reads a JSON list of {"fn": name, "args": {...}} from stdin and writes a JSON list of results.
Written from the papers' definitions (TAP-Vid, Eigen et al. depth metrics, ActivityNet AP, Umeyama),
not from the TypeScript code under test. NaN is encoded as null.
"""
import json
import sys

import numpy as np


def tapvid(query_points, gt_occluded, gt_tracks, pred_occluded, pred_tracks, query_mode):
    q = np.asarray(query_points, dtype=np.float64)
    gt_occ = np.asarray(gt_occluded, dtype=bool)
    pr_occ = np.asarray(pred_occluded, dtype=bool)
    gt = np.asarray(gt_tracks, dtype=np.float64)
    pr = np.asarray(pred_tracks, dtype=np.float64)
    t = gt_occ.shape[2]
    frames = np.arange(t)[None, None, :]
    qf = np.round(q[..., 0]).astype(np.int64)[..., None]
    evaluate = frames > qf if query_mode == 'first' else frames != qf
    axes = (1, 2)
    with np.errstate(invalid='ignore', divide='ignore'):
        oa = np.sum((gt_occ == pr_occ) & evaluate, axis=axes) / np.sum(evaluate, axis=axes)
        vis = ~gt_occ
        pvis = ~pr_occ
        jac, within = [], []
        for thr in [1, 2, 4, 8, 16]:
            close = np.linalg.norm(pr - gt, axis=-1) < thr
            n_vis = np.sum(vis & evaluate, axis=axes)
            within.append(np.sum(close & vis & evaluate, axis=axes) / n_vis)
            tp = np.sum(close & vis & pvis & evaluate, axis=axes)
            fp = np.sum(pvis & (~vis | ~close) & evaluate, axis=axes)
            fn = np.sum(vis & (~pvis | ~close) & evaluate, axis=axes)
            jac.append(tp / (tp + fp + fn))
        jac = np.stack(jac, 1)
        within = np.stack(within, 1)
    return {
        'aj': np.mean(jac, 1).tolist(),
        'pts': np.mean(within, 1).tolist(),
        'oa': oa.tolist(),
        'jaccard': np.nanmean(jac, 0).tolist(),
        'within': np.nanmean(within, 0).tolist(),
    }


def depth(pred, gt, shape, alignment, min_depth, max_depth):
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, shape[-2] * shape[-1])
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, shape[-2] * shape[-1])
    rows = []
    for p, g in zip(pred, gt):
        m = (g > min_depth) & (g < max_depth)
        if not m.any():
            continue
        p, g = p[m], g[m]
        if alignment == 'median':
            p = p * np.median(g) / np.median(p)
        p = np.clip(p, min_depth, max_depth)
        thresh = np.maximum(g / p, p / g)
        rows.append([
            np.mean(np.abs(g - p) / g),
            np.mean((g - p) ** 2 / g),
            np.sqrt(np.mean((g - p) ** 2)),
            np.sqrt(np.mean((np.log(g) - np.log(p)) ** 2)),
            np.mean(thresh < 1.25),
            np.mean(thresh < 1.25 ** 2),
            np.mean(thresh < 1.25 ** 3),
        ])
    r = np.mean(np.asarray(rows), 0)
    return dict(zip(['absRel', 'sqRel', 'rmse', 'rmseLog', 'delta1', 'delta2', 'delta3'], r.tolist()))


def interpolated_ap(tp, n_gt):
    tp = np.asarray(tp, dtype=np.float64)
    ctp = np.cumsum(tp)
    rec = ctp / n_gt
    prec = ctp / np.arange(1, len(tp) + 1)
    mprec = np.concatenate([[0.0], prec, [0.0]])
    mrec = np.concatenate([[0.0], rec, [1.0]])
    for i in range(len(mprec) - 2, -1, -1):
        mprec[i] = max(mprec[i], mprec[i + 1])
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def temporal_map(dets, gts, thresholds, num_classes):
    """ActivityNet detection mAP: per class, greedy matching by score to the best unmatched GT."""
    aps = np.full((num_classes, len(thresholds)), np.nan)
    for c in range(num_classes):
        g = [x for x in gts if x['label'] == c]
        d = sorted([x for x in dets if x['label'] == c], key=lambda x: -x['score'])
        if not g:
            continue
        for k, thr in enumerate(thresholds):
            used = np.zeros(len(g), bool)
            tp = np.zeros(len(d))
            for i, det in enumerate(d):
                ious = []
                for j, gt in enumerate(g):
                    if gt['video'] != det['video']:
                        ious.append(-1.0)
                        continue
                    inter = max(0.0, min(det['end'], gt['end']) - max(det['start'], gt['start']))
                    union = (det['end'] - det['start']) + (gt['end'] - gt['start']) - inter
                    ious.append(inter / union if union > 0 else 0.0)
                for j in np.argsort(-np.asarray(ious), kind='stable'):
                    if ious[j] < thr:
                        break
                    if used[j]:
                        continue
                    used[j] = True
                    tp[i] = 1
                    break
            aps[c, k] = interpolated_ap(tp, len(g))
    per_thr = np.nanmean(aps, 0)
    return {'map': float(np.mean(per_thr)), 'perThreshold': per_thr.tolist()}


def average_precision(scores, labels):
    """sklearn's average_precision_score formula: sum (R_n - R_{n-1}) P_n over distinct thresholds."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    order = np.argsort(-s, kind='stable')
    s, y = s[order], y[order]
    distinct = np.where(np.diff(s))[0]
    ends = np.r_[distinct, len(y) - 1]
    tps = np.cumsum(y)[ends]
    prec = tps / (ends + 1)
    rec = tps / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def umeyama_ate(src, dst, with_scale):
    x = np.asarray(src, dtype=np.float64).reshape(-1, 3)
    y = np.asarray(dst, dtype=np.float64).reshape(-1, 3)
    mx, my = x.mean(0), y.mean(0)
    xc, yc = x - mx, y - my
    cov = yc.T @ xc / len(x)
    u, d, vt = np.linalg.svd(cov)
    s = np.eye(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        s[2, 2] = -1
    r = u @ s @ vt
    var = (xc ** 2).sum() / len(x)
    c = np.trace(np.diag(d) @ s) / var if with_scale else 1.0
    t = my - c * r @ mx
    res = y - (c * (r @ x.T).T + t)
    return float(np.sqrt((res ** 2).sum(1).mean()))


def ssim(a, b, shape, max_value=1.0, window=11, sigma=1.5):
    # Wang et al. 2004 with a 2-D Gaussian window written out directly (not separably), valid positions.
    a = np.asarray(a, dtype=np.float64).reshape(shape)
    b = np.asarray(b, dtype=np.float64).reshape(shape)
    t, h, w, c = a.shape
    win = min(window, h, w)
    if win % 2 == 0:
        win -= 1
    ax = np.arange(win) - (win - 1) / 2
    g1 = np.exp(-(ax ** 2) / (2 * sigma ** 2))
    g2 = np.outer(g1, g1)
    g2 /= g2.sum()
    c1, c2 = (0.01 * max_value) ** 2, (0.03 * max_value) ** 2
    vals = []
    for f in range(t):
        for ch in range(c):
            x, y = a[f, :, :, ch], b[f, :, :, ch]
            m = []
            for i in range(h - win + 1):
                for j in range(w - win + 1):
                    px, py = x[i:i + win, j:j + win], y[i:i + win, j:j + win]
                    mx, my = (g2 * px).sum(), (g2 * py).sum()
                    vx = (g2 * (px - mx) ** 2).sum()
                    vy = (g2 * (py - my) ** 2).sum()
                    cxy = (g2 * (px - mx) * (py - my)).sum()
                    m.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
            vals.append(np.mean(m))
    return float(np.mean(vals))


FNS = {
    'tapvid': tapvid,
    'depth': depth,
    'temporal_map': temporal_map,
    'average_precision': average_precision,
    'umeyama_ate': umeyama_ate,
    'ssim': ssim,
}


def clean(v):
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


if __name__ == '__main__':
    calls = json.load(sys.stdin)
    print(json.dumps([clean(FNS[c['fn']](**c['args'])) for c in calls]))
