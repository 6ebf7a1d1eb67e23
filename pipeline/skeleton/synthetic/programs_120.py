"""Motion programs of the NTU-120 classes beyond NTU-60 (61-120, 0-based 60-119), in the same primitives;
pipeline/skeleton/synthetic/programs.py holds the first 60 and joins both."""

from __future__ import annotations

from pipeline.skeleton.synthetic.primitives import (
    Step,
    bend,
    crouch,
    flick,
    head,
    leg,
    leg_osc,
    lift,
    pair,
    reach,
    recoil,
    shift,
    swing_arms,
    torso_osc,
    walk,
    wiggle,
)

PROGRAMS_120: dict[int, list[Step]] = {
    # ---- NTU-120 additions, one person ----
    60: [
        reach("B", "hold", 0.03, 0.3),
        reach("B", "head_up", 0.25, 0.52),
        reach("B", "ear", 0.45, 0.85),
    ],  # headphone on
    61: [
        reach("B", "ear", 0.08, 0.42),
        reach("B", "head_up", 0.35, 0.6),
        reach("B", "hold", 0.55, 0.92),
    ],  # headphone off
    62: [
        reach("B", "face", 0.05, 0.55, off=(0, 0, 0.15)),
        crouch(0.25, 0.5, 0.15),
        reach("R", "front_up", 0.5, 0.75, ramp=0.07),
        reach("L", "face", 0.5, 0.7, off=(0, 0, 0.15)),
    ],  # shoot at the basket
    63: [
        reach("R", "waist", 0.05, 0.95, off=(0.1, 0, 0)),
        wiggle("R", 0.1, 0.9, amp=(0, 0.12, 0), freq=5),
        flick("R", 0.1, 0.9, amp=0.5, freq=5),
    ],  # bounce ball
    64: [
        reach("R", "side_low", 0.08, 0.42),
        reach("R", "cross", 0.38, 0.62, ramp=0.07),
        bend(0.08, 0.42, twist=-0.3),
        bend(0.38, 0.7, twist=0.35, ramp=0.08),
        crouch(0.05, 0.95, 0.06),
    ],  # table tennis swing
    65: [
        reach("B", "hold", 0.05, 0.95),
        wiggle("B", 0.1, 0.9, amp=(0, 0.06, 0), freq=5, anti=True),
        head(0.1, 0.9, pitch=-0.25),
    ],  # juggling
    66: [reach("R", "mouth", 0.15, 0.85, off=(-0.03, 0, 0.02)), head(0.2, 0.85, pitch=0.1)],  # hush
    # flick hair
    67: [
        reach("R", "ear", 0.12, 0.5),
        reach("R", "head_back", 0.45, 0.68, ramp=0.07),
        head(0.45, 0.68, roll=0.15),
    ],
    68: [reach("R", "hold", 0.15, 0.82, off=(0, 0.05, 0))],  # thumb up
    # thumb down
    69: [
        reach("R", "front", 0.15, 0.82, off=(0, -0.1, -0.15)),
        flick("R", 0.3, 0.7, amp=0.3, freq=1, axis=(0, -1, 0)),
    ],
    70: [reach("R", "shoulder_front", 0.15, 0.82)],  # ok sign
    71: [reach("R", "shoulder_front", 0.15, 0.82, off=(0.03, 0.12, -0.05))],  # victory sign
    72: [
        reach("L", "hold", 0.05, 0.95),
        reach("R", "hold", 0.1, 0.9, off=(-0.05, 0.06, 0)),
        wiggle("R", 0.2, 0.85, amp=(0, 0.06, 0), freq=3),
    ],  # staple book
    73: [
        reach("L", "hold", 0.05, 0.95),
        reach("R", "hold", 0.05, 0.95, off=(-0.04, 0, 0)),
        wiggle("R", 0.12, 0.88, amp=(0.05, 0, 0), freq=6),
        head(0.1, 0.9, pitch=0.35),
    ],  # counting money
    74: [
        reach("L", "hold", 0.05, 0.95, off=(-0.04, 0, 0)),
        reach("R", "hold", 0.05, 0.95, off=(-0.08, 0.03, 0)),
        wiggle("R", 0.15, 0.85, amp=(0.03, 0, 0), freq=4),
        head(0.1, 0.9, pitch=0.45),
    ],  # cutting nails
    75: [
        reach("L", "hold", 0.05, 0.95),
        reach("R", "hold", 0.05, 0.95, off=(-0.04, 0, 0)),
        wiggle("R", 0.1, 0.9, amp=(0.02, 0.02, 0), freq=7),
        wiggle("R", 0.1, 0.9, amp=(0.1, 0, 0), freq=0.5),
        head(0.1, 0.9, pitch=0.4),
    ],  # cutting paper
    76: [
        reach("R", "shoulder_front", 0.15, 0.85, off=(0, -0.05, 0)),
        flick("R", 0.25, 0.8, amp=0.4, freq=4),
    ],  # snap fingers
    77: [
        reach("L", "hold", 0.05, 0.95, off=(-0.05, 0, 0)),
        reach("R", "hold", 0.05, 0.75, off=(-0.08, 0.1, 0)),
        wiggle("R", 0.15, 0.7, amp=(0.03, 0, 0), amp2=(0, 0, 0.03), freq=5),
    ],  # open bottle
    78: [reach("R", "nose", 0.15, 0.8), bend(0.2, 0.8, pitch=0.1), head(0.3, 0.7, pitch=-0.1)],  # sniff
    79: [crouch(0.15, 0.85, 0.45), bend(0.15, 0.85, pitch=0.35), reach("B", "front_low", 0.2, 0.8)],  # squat down
    80: [
        reach("R", "hold", 0.05, 0.9),
        reach("R", "front_up", 0.35, 0.5, ramp=0.06),
        head(0.35, 0.65, pitch=-0.35),
        reach("L", "hold", 0.55, 0.9),
    ],  # toss a coin
    81: [
        reach("B", "hold", 0.05, 0.95),
        wiggle("L", 0.25, 0.8, amp=(-0.1, 0, 0), freq=2),
        head(0.1, 0.9, pitch=0.35),
    ],  # fold
    82: [
        reach("B", "mid", 0.05, 0.95),
        wiggle("B", 0.1, 0.9, amp=(0.04, 0.03, 0), freq=5, anti=True),
    ],  # ball up paper
    83: [
        reach("B", "hold", 0.05, 0.95, off=(-0.03, 0, 0)),
        wiggle("B", 0.1, 0.9, amp=(0, 0.03, 0), amp2=(0, 0, 0.03), freq=5),
        head(0.1, 0.9, pitch=0.4),
    ],  # magic cube
    84: [
        reach("B", "face", 0.1, 0.9),
        wiggle("B", 0.15, 0.85, amp=(0.02, 0.02, 0), amp2=(0, 0.02, 0), freq=4),
    ],  # cream face
    85: [
        reach("L", "hold", 0.05, 0.95),
        reach("R", "cross", 0.1, 0.9, off=(0, 0.05, 0)),
        wiggle("R", 0.15, 0.85, amp=(0.03, 0, 0), amp2=(0, 0, 0.03), freq=4),
        head(0.1, 0.9, pitch=0.35),
    ],  # cream hand
    86: [
        reach("R", "waist", 0.05, 0.32, off=(0.1, 0, 0)),
        reach("R", "back_shoulder", 0.28, 0.62),
        torso_osc(0.55, 0.8, roll=-0.1, freq=1.5),
    ],  # put on bag
    87: [
        reach("R", "back_shoulder", 0.05, 0.38),
        reach("R", "hold", 0.33, 0.62),
        reach("R", "floor", 0.58, 0.92),
        bend(0.58, 0.92, pitch=0.35),
    ],  # take off bag
    88: [
        reach("L", "waist", 0.05, 0.95),
        reach("R", "hold", 0.05, 0.35),
        reach("R", "low", 0.3, 0.66),
        head(0.1, 0.9, pitch=0.3),
    ],  # put into bag
    89: [
        reach("L", "waist", 0.05, 0.95),
        reach("R", "low", 0.1, 0.46),
        reach("R", "hold", 0.42, 0.88),
        head(0.1, 0.9, pitch=0.3),
    ],  # take out of bag
    90: [
        reach("L", "waist", 0.05, 0.95),
        reach("R", "waist", 0.1, 0.42, off=(-0.05, 0.05, 0.05)),
        reach("R", "hold", 0.35, 0.78, off=(0, 0.05, -0.1)),
        head(0.1, 0.9, pitch=0.35),
    ],  # open a box
    91: [
        crouch(0.05, 0.45, 0.35),
        bend(0.05, 0.45, pitch=0.7),
        reach("B", "floor", 0.03, 0.45),
        reach("B", "waist", 0.4, 0.98),
        walk(0.55, 0.98, 0.4),
    ],  # move heavy objects
    # shake fist
    92: [
        reach("R", "shoulder_front", 0.1, 0.9, off=(0.05, 0.15, 0)),
        wiggle("R", 0.15, 0.85, amp=(0, 0.06, 0.04), freq=5),
    ],
    93: [
        reach("R", "hold", 0.03, 0.3),
        reach("R", "low", 0.25, 0.44),
        reach("R", "up", 0.4, 0.6, ramp=0.06),
        head(0.45, 0.85, pitch=-0.4),
    ],  # throw up cap
    94: [reach("B", "up", 0.15, 0.8)],  # hands up
    95: [reach("B", "arm_other", 0.15, 0.9)],  # cross arms
    96: [
        reach("B", "side", 0.1, 0.9),
        wiggle("B", 0.15, 0.85, amp=(0, 0.2, 0), amp2=(0, 0, 0.2), freq=3),
    ],  # arm circles
    97: [swing_arms(0.1, 0.9, amp=(0, 0.25, 0.45), freq=2.5, same=True)],  # arm swings
    98: [
        leg_osc("B", 0.08, 0.92, amp=(0, 0.3, 0.15), freq=5),
        lift(0.1, 0.9, 0.04, count=10),
        reach("B", "bent", 0.05, 0.95),
        swing_arms(0.1, 0.9, amp=(0, 0, 0.15), freq=5),
    ],  # running on the spot
    99: [leg_osc("B", 0.08, 0.92, amp=(0, 0.35, -0.3), freq=4), reach("B", "hip", 0.05, 0.95)],  # butt kicks
    100: [
        bend(0.12, 0.88, pitch=1.0),
        torso_osc(0.12, 0.88, twist=0.35, freq=1),
        reach("R", "toe_other", 0.15, 0.48),
        reach("L", "up", 0.15, 0.48),
        reach("L", "toe_other", 0.52, 0.86),
        reach("R", "up", 0.52, 0.86),
    ],  # cross toe touch
    101: [
        leg("R", 0.3, 0.62, (0.5, 0.35, 0), ramp=0.08),
        bend(0.3, 0.62, roll=0.2),
        reach("B", "hold", 0.1, 0.9),
    ],  # side kick
    102: [reach("R", "mouth", 0.25, 0.75), head(0.15, 0.65, pitch=-0.3), bend(0.15, 0.6, pitch=-0.08)],  # yawn
    # stretch
    103: [
        reach("B", "up", 0.1, 0.8, off=(-0.08, 0.1, 0)),
        bend(0.3, 0.7, pitch=-0.2),
        torso_osc(0.35, 0.75, roll=0.15, freq=1),
    ],
    # blow nose
    104: [
        reach("B", "nose", 0.1, 0.85),
        head(0.35, 0.62, pitch=0.2),
        torso_osc(0.35, 0.62, pitch=0.1, freq=2, rectify=True),
    ],
    # ---- NTU-120 additions, two persons ----
    105: [
        pair(1.0),
        reach("R", "up", 0.12, 0.4),
        reach("R", "partner_head", 0.38, 0.55, ramp=0.06),
        bend(0.45, 0.8, pitch=0.35, twist=0.2, body=1),
        reach("B", "face", 0.4, 0.8, body=1),
    ],  # hit with something
    106: [
        pair(1.0),
        reach("R", "hold", 0.1, 0.36),
        reach("R", "partner_chest", 0.34, 0.52, ramp=0.05),
        shift(0.3, 0.5, forward=0.1),
        *recoil(0.4, 0.85, distance=0.3, tilt=0.2),
        reach("B", "hold", 0.4, 0.85, body=1),
    ],  # wield knife
    107: [
        pair(1.4),
        bend(0.2, 0.6, pitch=0.5, twist=0.3),
        shift(0.22, 0.55, forward=0.6),
        *recoil(0.45, 0.95, distance=0.6, tilt=0.45),
        crouch(0.6, 1.2, 0.3, body=1),
    ],  # knock over other person
    108: [
        pair(1.0),
        reach("R", "hold", -1, 0.5, body=1),
        reach("R", "meet", 0.45, 0.66, body=1),
        reach("R", "meet", 0.3, 0.48, ramp=0.06),
        reach("R", "hold", 0.45, 0.8),
    ],  # grab other person's stuff
    109: [
        pair(2.0),
        reach("R", "partner_head", 0.15, 0.85, ramp=0.12),
        wiggle("R", 0.4, 0.7, amp=(0, 0.04, 0), freq=3),
        *recoil(0.45, 0.75, distance=0.1, tilt=0.3),
        reach("B", "up", 0.45, 0.85, body=1),
    ],  # shoot with a gun
    110: [
        pair(0.7),
        leg("R", 0.2, 0.45, (0, 0.25, 0.2)),
        leg("R", 0.4, 0.65, (0, 0, 0.35)),
        leg("L", 0.5, 0.8, (0, 0.1, -0.15), body=1),
        bend(0.5, 0.85, pitch=0.4, body=1),
        reach("B", "knee", 0.55, 0.85, body=1),
    ],  # step on foot
    # high-five
    111: [
        pair(1.0),
        reach("R", "meet_high", 0.25, 0.62, ramp=0.1),
        reach("R", "meet_high", 0.25, 0.62, ramp=0.1, body=1),
    ],
    112: [
        pair(1.0),
        reach("R", "meet", 0.1, 0.42),
        reach("R", "meet", 0.1, 0.42, body=1),
        reach("R", "mouth", 0.45, 0.85),
        reach("R", "mouth", 0.45, 0.85, body=1),
        head(0.5, 0.85, pitch=-0.3),
        head(0.5, 0.85, pitch=-0.3, body=1),
    ],  # cheers
    113: [
        pair(1.2),
        crouch(0.05, 0.4, 0.3),
        bend(0.05, 0.4, pitch=0.6),
        crouch(0.05, 0.4, 0.3, body=1),
        bend(0.05, 0.4, pitch=0.6, body=1),
        reach("B", "floor", 0.03, 0.4),
        reach("B", "floor", 0.03, 0.4, body=1),
        reach("B", "waist", 0.35, 0.98),
        reach("B", "waist", 0.35, 0.98, body=1),
        shift(0.5, 0.95, left=0.4),
        shift(0.5, 0.95, left=-0.4, body=1),
    ],  # carry something together
    114: [
        pair(2.0),
        reach("B", "face", 0.1, 0.9, off=(-0.03, 0, 0.18)),
        wiggle("R", 0.3, 0.7, amp=(0, 0.01, 0), freq=3),
        reach("R", "shoulder_front", 0.3, 0.8, off=(0.03, 0.12, -0.05), body=1),
    ],  # take a photo of other
    115: [pair(1.2, facing="behind"), walk(0.05, 0.95, 1.2), walk(0.1, 0.98, 1.2, body=1)],  # follow other person
    116: [
        pair(0.6),
        bend(0.15, 0.85, pitch=0.15, roll=0.15),
        shift(0.15, 0.4, forward=0.15),
        reach("R", "mouth", 0.15, 0.85, off=(0.05, 0, 0.03)),
        head(0.25, 0.85, roll=0.15, body=1),
    ],  # whisper
    117: [pair(1.0), reach("R", "meet", 0.15, 0.75), reach("R", "meet", 0.15, 0.75, body=1)],  # exchange things
    118: [
        pair(0.55, facing="beside"),
        reach("R", "partner_back", 0.08, 0.95),
        reach("L", "partner_shoulder", 0.08, 0.95),
        bend(0.08, 0.95, roll=-0.25, body=1),
        leg_osc("B", 0.1, 0.9, amp=(0, 0.06, 0.1), freq=2, body=1),
    ],  # support
    119: [
        pair(1.0),
        reach("R", "hold", 0.05, 0.95),
        reach("R", "hold", 0.05, 0.95, body=1),
        wiggle("R", 0.1, 0.55, amp=(0, 0.08, 0), freq=3),
        wiggle("R", 0.1, 0.55, amp=(0, 0.08, 0), freq=3, body=1),
        reach("R", "meet", 0.55, 0.85),
        reach("R", "meet", 0.55, 0.85, body=1),
    ],  # rock-paper-scissors
}
