"""One program per NTU-120 class (NTU's 0-based indices), written from the class's Local Description
(descriptions/ntu120.jsonl: "the right hand ... up to the mouth; the head tilts slightly back").

Classes share primitives and anchors on purpose: drinking, eating, sneezing and yawning all bring the
right hand to the mouth; wearing and taking off a jacket, shoe, glasses, hat or headphones are the same
reaches in reverse order; the two-person classes reuse one-person moves aimed at the partner. So an
unseen class is made of parts that seen classes show, which is what zero-shot transfer needs.
"""

from __future__ import annotations

from math import pi

from pipeline.skeleton.synthetic.primitives import (
    Step,
    bend,
    crouch,
    flick,
    head,
    head_osc,
    jump,
    kick,
    leg,
    lift,
    pair,
    reach,
    recoil,
    shift,
    sway,
    torso_osc,
    turn,
    walk,
    wiggle,
)
from pipeline.skeleton.synthetic.programs_120 import PROGRAMS_120

_PROGRAMS_60: dict[int, list[Step]] = {
    # ---- daily actions (NTU-60, one person) ----
    0: [reach("R", "mouth", 0.12, 0.85), head(0.4, 0.75, pitch=-0.35)],  # drink water
    1: [
        reach("R", "mouth", 0.05, 0.95, reps=3),
        reach("L", "waist", 0.05, 0.95),
        head(0.05, 0.95, pitch=0.12),
    ],  # eat
    2: [
        reach("R", "mouth", 0.08, 0.92, off=(0.03, 0, 0.02)),
        wiggle("R", 0.15, 0.85, amp=(0.04, 0.02, 0), freq=8),
    ],  # teeth
    3: [
        reach("R", "head_top", 0.08, 0.9, pole=(1, 0.2, 0)),
        wiggle("R", 0.15, 0.85, amp=(0.03, 0.07, -0.05), freq=3),
    ],  # hair
    4: [reach("R", "hold", -1, 0.5, ramp=0.2), head(0.45, 0.9, pitch=0.35)],  # drop
    5: [bend(0.15, 0.8, pitch=1.0), crouch(0.15, 0.8, 0.35), reach("R", "floor", 0.25, 0.72)],  # pickup
    6: [
        reach("R", "back_shoulder", 0.08, 0.46),
        reach("R", "front_up", 0.42, 0.64, ramp=0.06),
        bend(0.08, 0.46, twist=-0.3),
        bend(0.42, 0.7, twist=0.25, ramp=0.08),
        leg("L", 0.4, 0.8, (0, 0, 0.25)),
    ],  # throw
    7: [
        crouch(0.22, 1.5, 0.45, back=0.25, ramp=0.3),
        bend(0.2, 0.62, pitch=0.35),
        reach("B", "knee", 0.5, 1.5),
    ],  # sit down
    8: [
        crouch(-1, 0.72, 0.45, back=0.25, ramp=0.3),
        bend(0.22, 0.64, pitch=0.45),
        reach("B", "knee", -1, 0.55),
    ],  # stand up
    9: [reach("B", "mid", 0.08, 0.92), wiggle("B", 0.15, 0.85, amp=(0.1, 0, 0), freq=5)],  # clapping
    10: [
        reach("B", "hold", 0.05, 0.95),
        head(0.1, 0.9, pitch=0.45),
        wiggle("R", 0.55, 0.72, amp=(0.12, 0, 0), freq=1),
    ],  # read
    11: [
        reach("B", "waist", 0.05, 0.95, off=(-0.04, 0.05, 0)),
        wiggle("R", 0.12, 0.88, amp=(0.04, 0, 0.02), freq=6),
        head(0.08, 0.92, pitch=0.45),
    ],  # writing
    12: [
        reach("B", "mid", 0.08, 0.92),
        wiggle("B", 0.15, 0.85, amp=(0, 0, 0.1), freq=3, anti=True),
    ],  # tear up paper
    13: [
        reach("L", "behind", 0.08, 0.4),
        reach("R", "behind", 0.33, 0.65),
        reach("B", "mid", 0.62, 0.92),
    ],  # wear jacket
    14: [
        reach("B", "mid", 0.05, 0.35),
        reach("R", "behind", 0.3, 0.6),
        reach("L", "behind", 0.52, 0.82),
        reach("R", "waist", 0.75, 1.1, off=(0.15, 0, 0)),
    ],  # take off jacket
    15: [
        bend(0.1, 0.88, pitch=0.6),
        leg("R", 0.15, 0.85, (0, 0.25, 0.15)),
        reach("B", "hold", 0.02, 0.28),
        reach("B", "foot", 0.25, 0.85),
        wiggle("B", 0.35, 0.75, amp=(0, 0.04, 0), freq=3),
    ],  # wear a shoe
    16: [
        bend(0.1, 0.9, pitch=0.6),
        leg("R", 0.12, 0.8, (0, 0.25, 0.15)),
        reach("B", "foot", 0.15, 0.65),
        wiggle("B", 0.25, 0.55, amp=(0, 0, 0.05), freq=2),
        reach("B", "floor", 0.6, 0.9),
    ],  # take off a shoe
    17: [
        reach("B", "hold", 0.03, 0.33),
        reach("B", "face", 0.25, 0.52),
        reach("B", "ear", 0.45, 0.82),
    ],  # glasses on
    18: [
        reach("B", "ear", 0.08, 0.42),
        reach("B", "face", 0.35, 0.6),
        reach("B", "hold", 0.55, 0.92),
    ],  # glasses off
    19: [
        reach("R", "hold", 0.03, 0.3),
        reach("R", "head_up", 0.25, 0.52),
        reach("R", "head_top", 0.45, 0.82),
    ],  # hat on
    20: [
        reach("R", "head_top", 0.08, 0.42),
        reach("R", "head_up", 0.35, 0.6),
        reach("R", "waist", 0.55, 0.92),
    ],  # hat off
    # cheer up
    21: [
        reach("B", "up", 0.12, 0.85, ramp=0.08),
        wiggle("B", 0.2, 0.8, amp=(0, 0.12, 0), freq=3),
        bend(0.15, 0.8, pitch=-0.12),
    ],
    22: [reach("R", "wave", 0.1, 0.9), wiggle("R", 0.18, 0.82, amp=(0.15, 0, 0), freq=4)],  # hand waving
    23: kick("R", 0.2, 0.62),  # kicking something
    24: [
        reach("R", "pocket", 0.15, 0.85),
        wiggle("R", 0.35, 0.7, amp=(0.02, 0.03, 0), freq=3),
    ],  # reach into pocket
    25: [
        leg("L", 0.08, 0.92, (0, 0.22, -0.15)),
        lift(0.15, 0.85, 0.1, count=4),
        reach("B", "side_low", 0.08, 0.92),
    ],  # hop
    26: jump(0.1, 0.85),  # jump up
    27: [reach("R", "ear", 0.1, 0.95, pole=(1, -0.2, 0.2)), head(0.2, 0.9, roll=0.15)],  # phone call
    28: [
        reach("B", "hold", 0.05, 0.95, off=(-0.04, 0, 0)),
        wiggle("R", 0.15, 0.85, amp=(0.02, 0.02, 0), freq=7),
        head(0.08, 0.92, pitch=0.4),
    ],  # playing with phone
    29: [
        reach("B", "waist", 0.05, 0.95),
        wiggle("B", 0.1, 0.9, amp=(0, 0.02, 0), freq=8, anti=True),
        head(0.08, 0.92, pitch=0.3),
    ],  # typing
    30: [reach("R", "front", 0.15, 0.8, ramp=0.12), head(0.2, 0.8, yaw=-0.15)],  # pointing
    31: [reach("R", "front_up", 0.1, 0.85), head(0.2, 0.8, roll=0.15)],  # selfie
    32: [reach("L", "cross", 0.15, 0.8, off=(0, 0.05, 0)), head(0.25, 0.8, pitch=0.4)],  # check time
    33: [reach("B", "mid", 0.05, 0.95), wiggle("B", 0.1, 0.9, amp=(0, 0, 0.06), freq=6, anti=True)],  # rub hands
    34: [bend(0.2, 0.75, pitch=0.45), head(0.2, 0.75, pitch=0.3)],  # nod head/bow
    35: [head_osc(0.12, 0.88, yaw=0.5, freq=3)],  # shake head
    36: [reach("B", "face", 0.1, 0.85), wiggle("B", 0.2, 0.75, amp=(0, 0.08, 0), freq=3)],  # wipe face
    37: [reach("R", "forehead", 0.15, 0.8, ramp=0.1)],  # salute
    38: [
        reach("B", "mid", 0.15, 0.85, off=(-0.03, 0.06, -0.05), pole=(1, -0.3, 0)),
        head(0.3, 0.8, pitch=0.2),
    ],  # palms
    39: [reach("B", "cross", 0.15, 0.8)],  # cross hands in front (say stop)
    40: [
        reach("R", "mouth", 0.1, 0.8),
        torso_osc(0.3, 0.72, pitch=0.3, freq=2, rectify=True),
        head_osc(0.3, 0.72, pitch=0.25, freq=2, rectify=True),
    ],  # sneeze/cough
    # staggering
    41: [walk(0, 1, 1.0), sway(0, 1, 0.2), torso_osc(0, 1, roll=0.15, freq=2), reach("B", "side_low", 0.05, 0.95)],
    42: [
        crouch(0.3, 1.5, 0.55, back=-0.1, ramp=0.3),
        bend(0.35, 1.5, pitch=1.1, ramp=0.3),
        reach("B", "floor", 0.45, 1.5),
        shift(0.35, 0.9, forward=0.3),
    ],  # falling
    43: [reach("R", "temple", 0.15, 0.85, pole=(1, 0.2, 0.2)), head(0.25, 0.85, pitch=0.2)],  # headache
    44: [reach("R", "chest", 0.15, 0.85), bend(0.25, 0.85, pitch=0.2), head(0.25, 0.85, pitch=0.2)],  # chest pain
    45: [reach("B", "low_back", 0.15, 0.85), bend(0.25, 0.85, pitch=-0.15)],  # backache
    # neckache
    46: [
        reach("R", "neck", 0.15, 0.85),
        head(0.25, 0.85, roll=-0.15),
        wiggle("R", 0.3, 0.8, amp=(0, 0.02, 0.01), freq=3),
    ],
    47: [
        bend(0.15, 0.85, pitch=0.8),
        head(0.15, 0.85, pitch=0.4),
        reach("R", "mouth", 0.2, 0.8),
        reach("L", "belly", 0.2, 0.8),
        torso_osc(0.35, 0.75, pitch=0.12, freq=3),
    ],  # nausea/vomiting
    48: [
        reach("R", "face", 0.1, 0.9, off=(0.05, 0, 0.12)),
        flick("R", 0.15, 0.85, amp=0.7, freq=5),
        wiggle("R", 0.15, 0.85, amp=(0.04, 0, 0), freq=5),
    ],  # use a fan
    # ---- two-person (NTU-60) ----
    49: [
        pair(0.85),
        reach("R", "back_shoulder", 0.2, 0.42),
        reach("R", "partner_head", 0.38, 0.58, ramp=0.05),
        shift(0.3, 0.55, forward=0.15),
        *recoil(0.45, 0.8, distance=0.15),
        reach("B", "face", 0.45, 0.85, body=1),
    ],  # punch
    50: [
        pair(1.0),
        *kick("R", 0.25, 0.6, height=0.3, reach_forward=0.6),
        *recoil(0.5, 0.85, distance=0.2, tilt=-0.3),
        reach("B", "belly", 0.5, 0.85, body=1),
    ],  # kicking other person
    51: [
        pair(0.8),
        reach("B", "partner_chest", 0.25, 0.6),
        shift(0.25, 0.55, forward=0.15),
        *recoil(0.45, 0.85, distance=0.35, tilt=0.3),
    ],  # pushing
    52: [
        pair(0.65),
        reach("R", "partner_back", 0.15, 0.85),
        wiggle("R", 0.3, 0.75, amp=(0, 0.05, 0), freq=5),
    ],  # pat on back
    53: [
        pair(1.5),
        reach("R", "partner_head", 0.15, 0.82, ramp=0.12),
        bend(0.4, 0.85, pitch=-0.1, body=1),
    ],  # point finger
    54: [
        pair(1.0),
        shift(0.05, 0.35, forward=0.3),
        shift(0.05, 0.35, forward=0.3, body=1),
        reach("B", "partner_back", 0.3, 0.82),
        reach("B", "partner_back", 0.3, 0.82, body=1),
        head(0.3, 0.82, yaw=0.3),
        head(0.3, 0.82, yaw=0.3, body=1),
    ],  # hugging
    55: [
        pair(1.1),
        reach("R", "meet", 0.1, 0.7),
        reach("R", "meet", 0.35, 0.7, body=1),
        reach("R", "hold", 0.65, 0.98, body=1),
    ],  # giving something
    56: [
        pair(0.9),
        reach("R", "partner_pocket", 0.2, 0.75),
        head(0.4, 0.8, pitch=0.3, body=1),
        bend(0.4, 0.8, twist=0.2, body=1),
    ],  # touch other person's pocket
    57: [
        pair(1.0),
        reach("R", "meet", 0.15, 0.85),
        reach("R", "meet", 0.15, 0.85, body=1),
        wiggle("R", 0.3, 0.7, amp=(0, 0.05, 0), freq=4),
        wiggle("R", 0.3, 0.7, amp=(0, 0.05, 0), freq=4, body=1),
    ],  # shake
    58: [pair(3.2), walk(0.05, 0.95, 1.1), walk(0.05, 0.95, 1.1, body=1)],  # walking towards each other
    # walking apart
    59: [
        pair(1.0),
        turn(0.05, 0.3, pi),
        turn(0.05, 0.3, -pi, body=1),
        walk(0.25, 0.95, 1.1),
        walk(0.25, 0.95, 1.1, body=1),
    ],
}

PROGRAMS: dict[int, list[Step]] = {**_PROGRAMS_60, **PROGRAMS_120}
