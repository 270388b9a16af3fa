"""Which BLAS PyTorch runs on, for the benchmark peers: print it, and refuse on the reference BLAS.

Every PyTorch peer of a vfmkit benchmark (apps/*/bench/*_torch.py, packages/*/bench/torch_*.py and the
inline Python of the .ts benches) imports this module BEFORE torch, then runs the check:

    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/python"))
    from blas_check import check_blas  # sets OMP_WAIT_POLICY=PASSIVE (torch must come after)
    import torch
    check_blas(torch)

Importing this module sets OMP_WAIT_POLICY=PASSIVE unless the environment already names a policy, so
torch's idle OpenMP threads sleep instead of spinning (spinning threads inflated PyTorch times up to 20x on
the shared 2-core machine). libgomp reads the variable once, when `import torch` loads it: importing this
module after torch prints a warning, since the setting can no longer take effect.

`check_blas(torch)` prints one line to stderr (torch version, the build's BLAS_INFO, the BLAS libraries
mapped into this process) and exits with status 3 when none of them is a fast BLAS (OpenBLAS, BLIS, MKL,
ATLAS) and the build is not MKL's: Debian's reference BLAS is 10-20x slower, so no fair ratio can be
reported against it.

As a script, `python3 scripts/python/blas_check.py [MAPS_FILE]` imports torch and runs the check, reading
the mapped libraries from MAPS_FILE (a /proc/PID/maps listing) instead of /proc/self/maps when given.
"""
import os
import re
import sys

if "torch" in sys.modules and os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE":
    print("[peer] blas_check imported after torch: OMP_WAIT_POLICY=PASSIVE cannot take effect (import it first)", file=sys.stderr)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def check_blas(torch, maps="/proc/self/maps"):
    """Prints the BLAS torch runs on (stderr); exits 3 on the reference BLAS (10-20x slower: no fair ratio).

    `maps` is the memory-map listing to scan for BLAS libraries (/proc/self/maps; another file in tests)."""
    try:
        with open(maps) as f:
            libs = sorted({os.path.realpath(l.split()[-1]) for l in f if re.search(r"blas|blis|mkl", l)})
    except OSError:
        libs = []
    info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    fast = [p for p in libs if re.search(r"openblas|blis|mkl|atlas", p)] or (["mkl"] if info and "mkl" in info.group(1) else [])
    print(f"[peer] torch {torch.__version__}, BLAS_INFO={info.group(1) if info else '?'}, loaded: {', '.join(libs) or 'none found'}", file=sys.stderr)
    if not fast:
        print("[peer] torch runs on the reference BLAS (or an unknown one): refusing to report a ratio; install OpenBLAS (apt install libopenblas0-pthread)", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    import torch

    check_blas(torch, *sys.argv[1:2])
    print(f"[peer] OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}", file=sys.stderr)
