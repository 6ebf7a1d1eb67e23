"""Convert MSR Action3D skeletons into a bring-your-own dataset folder.

    python examples/msr_action3d_to_folder.py /path/to/msr_action3d datasets/msr_action3d
    zssar skeleton prepare --dataset datasets/msr_action3d

The source holds `aXX_sYY_eZZ_skeleton3D.txt` files (action, subject, repetition): T*20 rows of
`x y z confidence`. Each becomes `skeletons/aXX_sYY_eZZ.npy` (T, 20, 3) in the `msr20` layout, with
class XX-1 and subject YY. Joints with confidence 0 keep their coordinates (Kinect's inferred positions),
files whose coordinates are all zero are skipped. The folder also gets hand-written class descriptions,
so the text side needs no LLM.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.store.atomic import atomic_dir

FILE_RE = re.compile(r"a(\d{2})_s(\d{2})_e(\d{2})_skeleton3D\.txt")
NUM_JOINTS = 20

# (label, global description, local description) per class, in MSR Action3D's order (class = action - 1).
# Subjects were asked to use the right arm or leg for one-limb actions.
CLASSES: tuple[tuple[str, str, str], ...] = (
    (
        "high arm wave",
        "A person stands and waves one arm high above the head from side to side, as if greeting someone far away "
        "or signalling for attention.",
        "The right arm is raised straight up above the head and the hand and forearm swing left and right in wide "
        "arcs from the shoulder and elbow; the torso, head and legs stay still.",
    ),
    (
        "horizontal arm wave",
        "A person waves one arm horizontally in front of the body at chest height, sweeping it from side to side "
        "like waving goodbye or wiping a window.",
        "The right arm is held forward at shoulder height and sweeps left and right across the "
        "front of the chest, "
        "the shoulder rotating and the elbow nearly straight; the rest of the body stays in place.",
    ),
    (
        "hammer",
        "A person mimes hammering a nail, striking downward again and again with one hand as if holding a hammer.",
        "The right hand rises to about head height with the elbow bent, then the forearm chops sharply down to "
        "chest height and comes back up, several times; the upper arm stays close to the body, torso and legs "
        "are still.",
    ),
    (
        "hand catch",
        "A person reaches out to catch an object thrown toward them, grabbing it with one hand and "
        "pulling it back "
        "to the body.",
        "The right arm shoots forward and slightly up, the hand closes as if grasping, then the elbow bends to "
        "bring the hand back to the chest; the torso may lean forward a little.",
    ),
    (
        "forward punch",
        "A person throws a straight punch forward, as in boxing, and pulls the fist back.",
        "The right fist starts near the chest and the arm extends fast straight forward at shoulder height until "
        "the elbow locks, then retracts; the right shoulder drives forward and the torso twists "
        "slightly while the "
        "feet stay planted.",
    ),
    (
        "high throw",
        "A person throws an object overhand, high and far, like throwing a ball.",
        "The right arm swings back behind the head with the elbow bent, then whips forward and up over the "
        "shoulder, straightening as the hand releases; the torso rotates and leans forward and the weight shifts "
        "onto the front foot.",
    ),
    (
        "draw x",
        "A person draws a large letter X in the air in front of them with one hand.",
        "The right hand, arm extended in front of the body, moves diagonally from upper left to lower right, then "
        "from upper right to lower left, tracing two crossing strokes; the motion comes from the shoulder and "
        "elbow while the body stays still.",
    ),
    (
        "draw tick",
        "A person draws a tick (a check mark) in the air with one hand, as if marking something as correct.",
        "The right hand, held in front of the chest, moves a short way down and to the left, then sweeps up and "
        "to the right in a longer stroke; only the arm moves.",
    ),
    (
        "draw circle",
        "A person draws a large circle in the air in front of the body with one hand.",
        "The right arm is held forward and the hand traces a full round loop, going up, across, down and back, "
        "driven by rotation at the shoulder with the elbow mostly straight; the torso stays still.",
    ),
    (
        "hand clap",
        "A person claps the hands together repeatedly in front of the chest, as in applause.",
        "Both hands are held in front of the chest with the elbows bent; the forearms move toward each other "
        "until the palms meet, then apart, again and again; the rest of the body stays still.",
    ),
    (
        "two hand wave",
        "A person waves both arms high above the head at the same time, as if signalling or cheering.",
        "Both arms are raised overhead and swing from side to side together, the hands and forearms moving in "
        "wide arcs above the head; the torso and legs stay mostly still.",
    ),
    (
        "side-boxing",
        "A person punches out to the side of the body, as if boxing a target standing beside them.",
        "The right fist starts near the chest and the arm extends fast out to the right side at shoulder height, "
        "then pulls back; the torso turns slightly toward that side and the feet stay in place.",
    ),
    (
        "bend",
        "A person bends forward at the waist, bringing the upper body down toward the floor, then straightens up.",
        "The torso tilts forward and down from the hips, the head and shoulders lowering toward the knees while "
        "the arms hang toward the floor; the legs stay nearly straight, then the torso comes back upright.",
    ),
    (
        "forward kick",
        "A person kicks one leg straight forward, as if kicking a ball in front of them.",
        "The right knee lifts and the lower leg snaps forward until the leg is extended in front of the body at "
        "about hip height, then the foot returns to the floor; the left leg carries the weight and the arms move "
        "a little for balance.",
    ),
    (
        "side kick",
        "A person kicks one leg out to the side of the body.",
        "The right leg lifts and pushes out sideways to the right at hip or knee height while the torso leans to "
        "the left for balance, then the leg comes back down beside the other.",
    ),
    (
        "jogging",
        "A person jogs in place, running at a slow steady pace without moving forward.",
        "The knees lift in turn, left and right, the feet leaving the floor one after the other; "
        "the arms are bent "
        "at the elbows and swing back and forth opposite to the legs, and the body bounces gently up and down.",
    ),
    (
        "tennis swing",
        "A person swings an imaginary tennis racket in a forehand stroke to hit a ball coming toward them.",
        "The right arm draws back to the right side of the body, then swings forward and across in a wide "
        "horizontal arc at waist to chest height, finishing over the left shoulder; the torso rotates with the "
        "swing and the weight shifts between the feet.",
    ),
    (
        "tennis serve",
        "A person mimes a tennis serve: tossing the ball up and hitting it overhead with the racket.",
        "The left hand rises as if tossing the ball while the right arm bends back behind the head; "
        "then the right "
        "arm swings up and forward over the head to strike high and follows through down across the body, the "
        "torso arching back and then bending forward.",
    ),
    (
        "golf swing",
        "A person swings an imaginary golf club to hit a ball lying on the ground.",
        "Both hands are held together low in front of the body; the arms swing back and up to the right, then "
        "down past the legs and up to the left; the torso and hips rotate, the head stays down and the knees flex "
        "slightly.",
    ),
    (
        "pick up & throw",
        "A person bends down to pick an object up from the floor, stands up and throws it forward.",
        "The torso bends forward and the knees bend as the right hand reaches down to the floor and grasps; the "
        "body straightens, then the right arm swings back and forward over the shoulder to throw, the torso "
        "rotating with it.",
    ),
)


def read_msr_file(path: Path) -> np.ndarray:
    """(T, 20, 3) float32 joint positions of one file."""
    try:
        rows = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise PipelineError(f"{path}: bad numbers: {exc}") from None
    if rows.shape[1] != 4 or len(rows) % NUM_JOINTS or not len(rows):
        raise PipelineError(
            f"{path}: expected rows of 'x y z confidence', {NUM_JOINTS} per frame; got {rows.shape}"
        )
    return rows[:, :3].reshape(-1, NUM_JOINTS, 3).astype(np.float32)


def convert(source: Path, out: Path) -> tuple[int, list[str]]:
    """Write the dataset folder `out` (replacing it whole); return the sample count and the skipped files."""
    files = sorted(p for p in source.glob("*_skeleton3D.txt") if FILE_RE.fullmatch(p.name))
    if not files:
        raise PipelineError(f"{source}: no aXX_sYY_eZZ_skeleton3D.txt files")
    samples, skipped = [], []
    with atomic_dir(out) as tmp:
        (tmp / "skeletons").mkdir()
        for path in files:
            action, subject, rep = (int(g) for g in FILE_RE.fullmatch(path.name).groups())
            if not 1 <= action <= len(CLASSES):
                raise PipelineError(f"{path}: action {action} outside 1..{len(CLASSES)}")
            data = read_msr_file(path)
            if not data.any():
                skipped.append(path.name)
                print(f"skipping {path.name}: every coordinate is zero", file=sys.stderr)
                continue
            sample_id = f"a{action:02d}_s{subject:02d}_e{rep:02d}"
            np.save(tmp / "skeletons" / f"{sample_id}.npy", data)
            samples.append((sample_id, f"skeletons/{sample_id}.npy", action - 1, subject))
        (tmp / "dataset.toml").write_text('name = "msr_action3d"\nlayout = "msr20"\n', encoding="utf-8")
        with (tmp / "classes.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["idx", "label"])
            writer.writerows((i, label) for i, (label, _, _) in enumerate(CLASSES))
        with (tmp / "samples.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["sample_id", "file", "class_idx", "subject"])
            writer.writerows(samples)
        records = [
            {
                "idx": i,
                "label": label,
                "global": glob,
                "local": local,
                "source": "authored",
                "model": None,
                "prompt_sha256": None,
            }
            for i, (label, glob, local) in enumerate(CLASSES)
        ]
        (tmp / "descriptions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return len(samples), skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder of aXX_sYY_eZZ_skeleton3D.txt files")
    parser.add_argument("out", type=Path, help="dataset folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    try:
        n, skipped = convert(args.source, args.out)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} samples of {len(CLASSES)} classes to {args.out} ({len(skipped)} skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
