"""Rendition qualities by measurement: bytes, SSIM and encode time per format, quality and width.

Not a test: it prints the figures for docs/benchmarks.md, from which the qualities in
newsroom/images/renditions.py were chosen. Usage (from the project folder):

    .venv/bin/python bench/images.py                 # the quality table
    .venv/bin/python bench/images.py --render        # make_renditions of one 4000x3000 photo

The photos are the real photographs in bench/photos (see SOURCES.md there). Each is
resized (Lanczos) to every rendition width it reaches without upscaling (480, 960, 1600;
one narrower than 480 at its own width), then encoded in each format at each quality.
The metric is SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5) on the luma
plane of the decoded file against the resized original, computed with numpy (a dev
dependency). Encode times are single-threaded (AVIF max_threads=1), so they are what one
worker core spends; the median of --repeat runs.

The choice: JPEG at REFERENCE_JPEG (the common web default) fixes the target, its median
SSIM over all cases; each other format gets the lowest quality whose median SSIM reaches
that target. At equal measured quality the bytes then say which format is smaller.
"""
import argparse
import io
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import PIL
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "bench" / "photos"
WIDTHS = (480, 960, 1600)
GRID = {
    "jpeg": (60, 70, 75, 80, 85, 90),
    "webp": (70, 75, 78, 80, 82, 84, 86, 90),
    "avif": (50, 55, 58, 60, 62, 64, 66, 70, 75),
}
AVIF_SPEEDS = (4, 6, 8)
REFERENCE_JPEG = 80


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="encodes per cell; the median time is reported")
    parser.add_argument("--speed", type=int, default=6, help="AVIF speed of the quality grid (0 slowest … 10)")
    parser.add_argument("--render", action="store_true", help="time make_renditions of one 4000x3000 photo")
    return parser.parse_args()


# --- the metric --------------------------------------------------------------------------


def gaussian(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - size // 2
    k = np.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def blur(plane: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable Gaussian filter, 'valid' region only (no padding)."""
    rows = sliding_window_view(plane, kernel.size, axis=1) @ kernel
    return sliding_window_view(rows, kernel.size, axis=0) @ kernel


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM of the two images' luma planes (8-bit dynamic range)."""
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    k = gaussian()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = blur(x, k), blur(y, k)
    sxx, syy, sxy = blur(x * x, k) - mx * mx, blur(y * y, k) - my * my, blur(x * y, k) - mx * my
    return float((((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))).mean())


# --- encoding ----------------------------------------------------------------------------


def options(fmt: str, quality: int, speed: int) -> dict:
    """The encoder options the bench measures; renditions.py ships the chosen ones."""
    if fmt == "jpeg":
        return {"format": "JPEG", "quality": quality, "optimize": True, "progressive": True, "subsampling": "4:2:0"}
    if fmt == "webp":
        return {"format": "WEBP", "quality": quality, "method": 6}
    return {"format": "AVIF", "quality": quality, "speed": speed, "subsampling": "4:2:0", "max_threads": 1}


def encode(image: Image.Image, opts: dict, repeat: int) -> tuple[bytes, float]:
    times, data = [], b""
    for _ in range(repeat):
        out = io.BytesIO()
        started = time.perf_counter()
        image.save(out, **opts)
        times.append(time.perf_counter() - started)
        data = out.getvalue()
    return data, statistics.median(times)


def cases() -> list[tuple[str, Image.Image]]:
    """(photo@width, the photo resized to that width) for each width it reaches."""
    found = []
    for path in sorted(PHOTOS.glob("*.jpg")):
        photo = Image.open(path).convert("RGB")
        widths = [w for w in WIDTHS if w <= photo.width] or [photo.width]
        for width in widths:
            height = round(photo.height * width / photo.width)
            found.append((f"{path.stem}@{width}", photo.resize((width, height), Image.Resampling.LANCZOS)))
    return found


def measure(fmt: str, quality: int, speed: int, resized: list, repeat: int) -> list[dict]:
    rows = []
    for name, image in resized:
        data, seconds = encode(image, options(fmt, quality, speed), repeat)
        decoded = Image.open(io.BytesIO(data))
        rows.append({"case": name, "bytes": len(data), "ssim": ssim(image, decoded), "seconds": seconds})
    return rows


def summary(rows: list[dict]) -> dict:
    return {
        "bytes": statistics.median(r["bytes"] for r in rows),
        "ssim": statistics.median(r["ssim"] for r in rows),
        "ms": 1000 * statistics.median(r["seconds"] for r in rows),
        "total_kb": sum(r["bytes"] for r in rows) / 1024,
    }


def quality_table(args) -> None:
    resized = cases()
    print(f"cases ({len(resized)}): {', '.join(name for name, _ in resized)}")
    results = {}
    print("| format | quality | median bytes | total KB | median SSIM | median encode ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for fmt, qualities in GRID.items():
        for quality in qualities:
            rows = measure(fmt, quality, args.speed, resized, args.repeat)
            results[fmt, quality] = rows
            s = summary(rows)
            print(f"| {fmt} | {quality} | {s['bytes']:.0f} | {s['total_kb']:.0f} | {s['ssim']:.4f} | {s['ms']:.1f} |",
                  flush=True)
    choose(results)
    speed_table(resized, args)


def choose(results: dict) -> None:
    target = summary(results["jpeg", REFERENCE_JPEG])["ssim"]
    print(f"\ntarget: median SSIM of JPEG q{REFERENCE_JPEG} = {target:.4f}")
    chosen = {}
    for fmt, qualities in GRID.items():
        reaching = [q for q in qualities if summary(results[fmt, q])["ssim"] >= target]
        chosen[fmt] = min(reaching) if reaching else max(qualities)
    print("| format | chosen quality | median SSIM | median bytes | total KB | bytes vs JPEG (median of cases) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    jpeg = {r["case"]: r["bytes"] for r in results["jpeg", chosen["jpeg"]]}
    for fmt, quality in chosen.items():
        rows = results[fmt, quality]
        s = summary(rows)
        ratio = statistics.median(r["bytes"] / jpeg[r["case"]] for r in rows)
        print(f"| {fmt} | {quality} | {s['ssim']:.4f} | {s['bytes']:.0f} | {s['total_kb']:.0f} | {ratio:.2f} |")
    avif, webp = results["avif", chosen["avif"]], results["webp", chosen["webp"]]
    smaller = sum(a["bytes"] < w["bytes"] for a, w in zip(avif, webp, strict=True))
    print(f"AVIF smaller than WebP in {smaller} of {len(avif)} cases")
    by_width(results, chosen)


def by_width(results: dict, chosen: dict) -> None:
    """The chosen qualities per rendition width: median bytes and SSIM of each format."""
    print("\n| width | cases | " + " | ".join(f"{fmt} {q} bytes, SSIM" for fmt, q in chosen.items()) + " |")
    print("| ---: | ---: |" + " ---: |" * len(chosen))
    for width in WIDTHS:
        cells = []
        for fmt, quality in chosen.items():
            # A photo narrower than 480 is counted with the 480s: it gets that one rendition.
            rows = [r for r in results[fmt, quality] if max(int(r["case"].split("@")[1]), 480) == width]
            cells.append(f"{statistics.median(r['bytes'] for r in rows):.0f}, "
                         f"{statistics.median(r['ssim'] for r in rows):.4f}" if rows else "")
        print(f"| {width} | {len(rows)} | " + " | ".join(cells) + " |")


def speed_table(resized: list, args) -> None:
    print("\nAVIF speed at quality 60 (single thread):")
    print("| speed | median bytes | median SSIM | median encode ms |")
    print("| ---: | ---: | ---: | ---: |")
    for speed in AVIF_SPEEDS:
        s = summary(measure("avif", 60, speed, resized, args.repeat))
        print(f"| {speed} | {s['bytes']:.0f} | {s['ssim']:.4f} | {s['ms']:.1f} |", flush=True)


# --- one big photo through make_renditions -------------------------------------------------


ADD = """
import io
from PIL import Image
from newsroom.images.storing import image_add
photo = Image.open({source!r}).convert("RGB").resize((4000, 3000), Image.Resampling.LANCZOS)
out = io.BytesIO()
photo.save(out, format="JPEG", quality=92)
image, _ = image_add(data=out.getvalue(), title="bench", alt="基准测试照片")
print(f"@@{{image.pk}}")
"""

# The worker's side alone, in its own process, so that its peak memory is the rendering's.
RENDER = """
import resource, time
from newsroom.images.renditions import make_renditions
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
files = make_renditions({pk})
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"@@files={{files}} seconds={{seconds:.1f}} peak_rss_mb={{peak / 1024:.0f}} rss_before_mb={{before / 1024:.0f}}")
"""


def time_render() -> None:
    """make_renditions of one 4000x3000 JPEG in a fresh process, against a throwaway database."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "DJANGO_MEDIA_ROOT": f"{folder}/media"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        # The 1411-pixel retina photo upscaled: the corpus has no 4000-pixel photograph.
        pk = shell(env, ADD.format(source=str(PHOTOS / "retina.jpg")))
        print(shell(env, RENDER.format(pk=pk)))


def shell(env: dict, code: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if line.startswith("@@")][0][2:]


def machine() -> str:
    from PIL import AvifImagePlugin, features

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, Pillow {PIL.__version__}"
            f" (libjpeg-turbo {features.version('libjpeg_turbo')}, libwebp {features.version('webp')},"
            f" libavif {features.version('avif')} with aom {AvifImagePlugin.get_codec_version('aom')}), numpy {np.__version__}")


def main() -> None:
    args = parse_args()
    print(f"{time.strftime('%Y-%m-%d')}; {machine()}; load {os.getloadavg()[0]:.1f}; "
          f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    if args.render:
        time_render()
    else:
        quality_table(args)


if __name__ == "__main__":
    main()
