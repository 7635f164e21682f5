"""Plots the dashboard's timeseries panels from panels.json (written by panels.mjs) into a PNG."""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

UNITS = {"ops": "per second", "s": "seconds", "short": ""}


def main(data_path: str, png_path: str) -> None:
    with open(data_path, encoding="utf8") as f:
        data = json.load(f)
    panels = data["panels"]
    cols = 2
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.1 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for s in panel["series"]:
            xs = [p[0] for p in s["points"]]
            ys = [p[1] for p in s["points"]]
            ax.plot(xs, ys, label=s["legend"], linewidth=1.2)
        ax.set_title(panel["title"], fontsize=10, loc="left")
        ax.set_ylabel(UNITS.get(panel["unit"], panel["unit"]), fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if panel["series"]:
            ax.legend(fontsize=7, loc="upper left")
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("wall seconds into the run", fontsize=8)
    fig.suptitle(
        f"tracewalk dashboard panels, from a real run: 2 shards, load ramp, {data['seconds']} s, speed 60",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
