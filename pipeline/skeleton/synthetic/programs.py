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
    leg_osc,
    lift,
    pair,
    reach,
    recoil,
    shift,
    sway,
    swing_arms,
    torso_osc,
    turn,
    walk,
    wiggle,
)

PROGRAMS: dict[int, list[Step]] = {
    # ---- daily actions (NTU-60, one person) ----
    0: [reach("R", "mouth", .12, .85), head(.4, .75, pitch=-.35)],  # drink water
    1: [reach("R", "mouth", .05, .95, reps=3), reach("L", "waist", .05, .95), head(.05, .95, pitch=.12)],  # eat
    2: [reach("R", "mouth", .08, .92, off=(.03, 0, .02)), wiggle("R", .15, .85, amp=(.04, .02, 0), freq=8)],  # teeth
    3: [reach("R", "head_top", .08, .9, pole=(1, .2, 0)), wiggle("R", .15, .85, amp=(.03, .07, -.05), freq=3)],  # hair
    4: [reach("R", "hold", -1, .5, ramp=.2), head(.45, .9, pitch=.35)],  # drop
    5: [bend(.15, .8, pitch=1.0), crouch(.15, .8, .35), reach("R", "floor", .25, .72)],  # pickup
    6: [reach("R", "back_shoulder", .08, .46), reach("R", "front_up", .42, .64, ramp=.06),
        bend(.08, .46, twist=-.3), bend(.42, .7, twist=.25, ramp=.08), leg("L", .4, .8, (0, 0, .25))],  # throw
    7: [crouch(.22, 1.5, .45, back=.25, ramp=.3), bend(.2, .62, pitch=.35), reach("B", "knee", .5, 1.5)],  # sit down
    8: [crouch(-1, .72, .45, back=.25, ramp=.3), bend(.22, .64, pitch=.45), reach("B", "knee", -1, .55)],  # stand up
    9: [reach("B", "mid", .08, .92), wiggle("B", .15, .85, amp=(.1, 0, 0), freq=5)],  # clapping
    10: [reach("B", "hold", .05, .95), head(.1, .9, pitch=.45), wiggle("R", .55, .72, amp=(.12, 0, 0), freq=1)],  # read
    11: [reach("B", "waist", .05, .95, off=(-.04, .05, 0)), wiggle("R", .12, .88, amp=(.04, 0, .02), freq=6),
         head(.08, .92, pitch=.45)],  # writing
    12: [reach("B", "mid", .08, .92), wiggle("B", .15, .85, amp=(0, 0, .1), freq=3, anti=True)],  # tear up paper
    13: [reach("L", "behind", .08, .4), reach("R", "behind", .33, .65), reach("B", "mid", .62, .92)],  # wear jacket
    14: [reach("B", "mid", .05, .35), reach("R", "behind", .3, .6), reach("L", "behind", .52, .82),
         reach("R", "waist", .75, 1.1, off=(.15, 0, 0))],  # take off jacket
    15: [bend(.1, .88, pitch=.6), leg("R", .15, .85, (0, .25, .15)), reach("B", "hold", .02, .28),
         reach("B", "foot", .25, .85), wiggle("B", .35, .75, amp=(0, .04, 0), freq=3)],  # wear a shoe
    16: [bend(.1, .9, pitch=.6), leg("R", .12, .8, (0, .25, .15)), reach("B", "foot", .15, .65),
         wiggle("B", .25, .55, amp=(0, 0, .05), freq=2), reach("B", "floor", .6, .9)],  # take off a shoe
    17: [reach("B", "hold", .03, .33), reach("B", "face", .25, .52), reach("B", "ear", .45, .82)],  # glasses on
    18: [reach("B", "ear", .08, .42), reach("B", "face", .35, .6), reach("B", "hold", .55, .92)],  # glasses off
    19: [reach("R", "hold", .03, .3), reach("R", "head_up", .25, .52), reach("R", "head_top", .45, .82)],  # hat on
    20: [reach("R", "head_top", .08, .42), reach("R", "head_up", .35, .6), reach("R", "waist", .55, .92)],  # hat off
    # cheer up
    21: [reach("B", "up", .12, .85, ramp=.08), wiggle("B", .2, .8, amp=(0, .12, 0), freq=3), bend(.15, .8, pitch=-.12)],
    22: [reach("R", "wave", .1, .9), wiggle("R", .18, .82, amp=(.15, 0, 0), freq=4)],  # hand waving
    23: kick("R", .2, .62),  # kicking something
    24: [reach("R", "pocket", .15, .85), wiggle("R", .35, .7, amp=(.02, .03, 0), freq=3)],  # reach into pocket
    25: [leg("L", .08, .92, (0, .22, -.15)), lift(.15, .85, .1, count=4), reach("B", "side_low", .08, .92)],  # hop
    26: jump(.1, .85),  # jump up
    27: [reach("R", "ear", .1, .95, pole=(1, -.2, .2)), head(.2, .9, roll=.15)],  # phone call
    28: [reach("B", "hold", .05, .95, off=(-.04, 0, 0)), wiggle("R", .15, .85, amp=(.02, .02, 0), freq=7),
         head(.08, .92, pitch=.4)],  # playing with phone
    29: [reach("B", "waist", .05, .95), wiggle("B", .1, .9, amp=(0, .02, 0), freq=8, anti=True),
         head(.08, .92, pitch=.3)],  # typing
    30: [reach("R", "front", .15, .8, ramp=.12), head(.2, .8, yaw=-.15)],  # pointing
    31: [reach("R", "front_up", .1, .85), head(.2, .8, roll=.15)],  # selfie
    32: [reach("L", "cross", .15, .8, off=(0, .05, 0)), head(.25, .8, pitch=.4)],  # check time
    33: [reach("B", "mid", .05, .95), wiggle("B", .1, .9, amp=(0, 0, .06), freq=6, anti=True)],  # rub hands
    34: [bend(.2, .75, pitch=.45), head(.2, .75, pitch=.3)],  # nod head/bow
    35: [head_osc(.12, .88, yaw=.5, freq=3)],  # shake head
    36: [reach("B", "face", .1, .85), wiggle("B", .2, .75, amp=(0, .08, 0), freq=3)],  # wipe face
    37: [reach("R", "forehead", .15, .8, ramp=.1)],  # salute
    38: [reach("B", "mid", .15, .85, off=(-.03, .06, -.05), pole=(1, -.3, 0)), head(.3, .8, pitch=.2)],  # palms
    39: [reach("B", "cross", .15, .8)],  # cross hands in front (say stop)
    40: [reach("R", "mouth", .1, .8), torso_osc(.3, .72, pitch=.3, freq=2, rectify=True),
         head_osc(.3, .72, pitch=.25, freq=2, rectify=True)],  # sneeze/cough
    # staggering
    41: [walk(0, 1, 1.0), sway(0, 1, .2), torso_osc(0, 1, roll=.15, freq=2), reach("B", "side_low", .05, .95)],
    42: [crouch(.3, 1.5, .55, back=-.1, ramp=.3), bend(.35, 1.5, pitch=1.1, ramp=.3), reach("B", "floor", .45, 1.5),
         shift(.35, .9, forward=.3)],  # falling
    43: [reach("R", "temple", .15, .85, pole=(1, .2, .2)), head(.25, .85, pitch=.2)],  # headache
    44: [reach("R", "chest", .15, .85), bend(.25, .85, pitch=.2), head(.25, .85, pitch=.2)],  # chest pain
    45: [reach("B", "low_back", .15, .85), bend(.25, .85, pitch=-.15)],  # backache
    # neckache
    46: [reach("R", "neck", .15, .85), head(.25, .85, roll=-.15), wiggle("R", .3, .8, amp=(0, .02, .01), freq=3)],
    47: [bend(.15, .85, pitch=.8), head(.15, .85, pitch=.4), reach("R", "mouth", .2, .8), reach("L", "belly", .2, .8),
         torso_osc(.35, .75, pitch=.12, freq=3)],  # nausea/vomiting
    48: [reach("R", "face", .1, .9, off=(.05, 0, .12)), flick("R", .15, .85, amp=.7, freq=5),
         wiggle("R", .15, .85, amp=(.04, 0, 0), freq=5)],  # use a fan
    # ---- two-person (NTU-60) ----
    49: [pair(.85), reach("R", "back_shoulder", .2, .42), reach("R", "partner_head", .38, .58, ramp=.05),
         shift(.3, .55, forward=.15), *recoil(.45, .8, distance=.15), reach("B", "face", .45, .85, body=1)],  # punch
    50: [pair(1.0), *kick("R", .25, .6, height=.3, reach_forward=.6), *recoil(.5, .85, distance=.2, tilt=-.3),
         reach("B", "belly", .5, .85, body=1)],  # kicking other person
    51: [pair(.8), reach("B", "partner_chest", .25, .6), shift(.25, .55, forward=.15),
         *recoil(.45, .85, distance=.35, tilt=.3)],  # pushing
    52: [pair(.65), reach("R", "partner_back", .15, .85), wiggle("R", .3, .75, amp=(0, .05, 0), freq=5)],  # pat on back
    53: [pair(1.5), reach("R", "partner_head", .15, .82, ramp=.12), bend(.4, .85, pitch=-.1, body=1)],  # point finger
    54: [pair(1.0), shift(.05, .35, forward=.3), shift(.05, .35, forward=.3, body=1),
         reach("B", "partner_back", .3, .82), reach("B", "partner_back", .3, .82, body=1),
         head(.3, .82, yaw=.3), head(.3, .82, yaw=.3, body=1)],  # hugging
    55: [pair(1.1), reach("R", "meet", .1, .7), reach("R", "meet", .35, .7, body=1),
         reach("R", "hold", .65, .98, body=1)],  # giving something
    56: [pair(.9), reach("R", "partner_pocket", .2, .75), head(.4, .8, pitch=.3, body=1),
         bend(.4, .8, twist=.2, body=1)],  # touch other person's pocket
    57: [pair(1.0), reach("R", "meet", .15, .85), reach("R", "meet", .15, .85, body=1),
         wiggle("R", .3, .7, amp=(0, .05, 0), freq=4), wiggle("R", .3, .7, amp=(0, .05, 0), freq=4, body=1)],  # shake
    58: [pair(3.2), walk(.05, .95, 1.1), walk(.05, .95, 1.1, body=1)],  # walking towards each other
    # walking apart
    59: [pair(1.0), turn(.05, .3, pi), turn(.05, .3, -pi, body=1), walk(.25, .95, 1.1), walk(.25, .95, 1.1, body=1)],
    # ---- NTU-120 additions, one person ----
    60: [reach("B", "hold", .03, .3), reach("B", "head_up", .25, .52), reach("B", "ear", .45, .85)],  # headphone on
    61: [reach("B", "ear", .08, .42), reach("B", "head_up", .35, .6), reach("B", "hold", .55, .92)],  # headphone off
    62: [reach("B", "face", .05, .55, off=(0, 0, .15)), crouch(.25, .5, .15), reach("R", "front_up", .5, .75, ramp=.07),
         reach("L", "face", .5, .7, off=(0, 0, .15))],  # shoot at the basket
    63: [reach("R", "waist", .05, .95, off=(.1, 0, 0)), wiggle("R", .1, .9, amp=(0, .12, 0), freq=5),
         flick("R", .1, .9, amp=.5, freq=5)],  # bounce ball
    64: [reach("R", "side_low", .08, .42), reach("R", "cross", .38, .62, ramp=.07), bend(.08, .42, twist=-.3),
         bend(.38, .7, twist=.35, ramp=.08), crouch(.05, .95, .06)],  # table tennis swing
    65: [reach("B", "hold", .05, .95), wiggle("B", .1, .9, amp=(0, .06, 0), freq=5, anti=True),
         head(.1, .9, pitch=-.25)],  # juggling
    66: [reach("R", "mouth", .15, .85, off=(-.03, 0, .02)), head(.2, .85, pitch=.1)],  # hush
    # flick hair
    67: [reach("R", "ear", .12, .5), reach("R", "head_back", .45, .68, ramp=.07), head(.45, .68, roll=.15)],
    68: [reach("R", "hold", .15, .82, off=(0, .05, 0))],  # thumb up
    # thumb down
    69: [reach("R", "front", .15, .82, off=(0, -.1, -.15)), flick("R", .3, .7, amp=.3, freq=1, axis=(0, -1, 0))],
    70: [reach("R", "shoulder_front", .15, .82)],  # ok sign
    71: [reach("R", "shoulder_front", .15, .82, off=(.03, .12, -.05))],  # victory sign
    72: [reach("L", "hold", .05, .95), reach("R", "hold", .1, .9, off=(-.05, .06, 0)),
         wiggle("R", .2, .85, amp=(0, .06, 0), freq=3)],  # staple book
    73: [reach("L", "hold", .05, .95), reach("R", "hold", .05, .95, off=(-.04, 0, 0)),
         wiggle("R", .12, .88, amp=(.05, 0, 0), freq=6), head(.1, .9, pitch=.35)],  # counting money
    74: [reach("L", "hold", .05, .95, off=(-.04, 0, 0)), reach("R", "hold", .05, .95, off=(-.08, .03, 0)),
         wiggle("R", .15, .85, amp=(.03, 0, 0), freq=4), head(.1, .9, pitch=.45)],  # cutting nails
    75: [reach("L", "hold", .05, .95), reach("R", "hold", .05, .95, off=(-.04, 0, 0)),
         wiggle("R", .1, .9, amp=(.02, .02, 0), freq=7), wiggle("R", .1, .9, amp=(.1, 0, 0), freq=.5),
         head(.1, .9, pitch=.4)],  # cutting paper
    76: [reach("R", "shoulder_front", .15, .85, off=(0, -.05, 0)), flick("R", .25, .8, amp=.4, freq=4)],  # snap fingers
    77: [reach("L", "hold", .05, .95, off=(-.05, 0, 0)), reach("R", "hold", .05, .75, off=(-.08, .1, 0)),
         wiggle("R", .15, .7, amp=(.03, 0, 0), amp2=(0, 0, .03), freq=5)],  # open bottle
    78: [reach("R", "nose", .15, .8), bend(.2, .8, pitch=.1), head(.3, .7, pitch=-.1)],  # sniff
    79: [crouch(.15, .85, .45), bend(.15, .85, pitch=.35), reach("B", "front_low", .2, .8)],  # squat down
    80: [reach("R", "hold", .05, .9), reach("R", "front_up", .35, .5, ramp=.06), head(.35, .65, pitch=-.35),
         reach("L", "hold", .55, .9)],  # toss a coin
    81: [reach("B", "hold", .05, .95), wiggle("L", .25, .8, amp=(-.1, 0, 0), freq=2), head(.1, .9, pitch=.35)],  # fold
    82: [reach("B", "mid", .05, .95), wiggle("B", .1, .9, amp=(.04, .03, 0), freq=5, anti=True)],  # ball up paper
    83: [reach("B", "hold", .05, .95, off=(-.03, 0, 0)), wiggle("B", .1, .9, amp=(0, .03, 0), amp2=(0, 0, .03), freq=5),
         head(.1, .9, pitch=.4)],  # magic cube
    84: [reach("B", "face", .1, .9), wiggle("B", .15, .85, amp=(.02, .02, 0), amp2=(0, .02, 0), freq=4)],  # cream face
    85: [reach("L", "hold", .05, .95), reach("R", "cross", .1, .9, off=(0, .05, 0)),
         wiggle("R", .15, .85, amp=(.03, 0, 0), amp2=(0, 0, .03), freq=4), head(.1, .9, pitch=.35)],  # cream hand
    86: [reach("R", "waist", .05, .32, off=(.1, 0, 0)), reach("R", "back_shoulder", .28, .62),
         torso_osc(.55, .8, roll=-.1, freq=1.5)],  # put on bag
    87: [reach("R", "back_shoulder", .05, .38), reach("R", "hold", .33, .62), reach("R", "floor", .58, .92),
         bend(.58, .92, pitch=.35)],  # take off bag
    88: [reach("L", "waist", .05, .95), reach("R", "hold", .05, .35), reach("R", "low", .3, .66),
         head(.1, .9, pitch=.3)],  # put into bag
    89: [reach("L", "waist", .05, .95), reach("R", "low", .1, .46), reach("R", "hold", .42, .88),
         head(.1, .9, pitch=.3)],  # take out of bag
    90: [reach("L", "waist", .05, .95), reach("R", "waist", .1, .42, off=(-.05, .05, .05)),
         reach("R", "hold", .35, .78, off=(0, .05, -.1)), head(.1, .9, pitch=.35)],  # open a box
    91: [crouch(.05, .45, .35), bend(.05, .45, pitch=.7), reach("B", "floor", .03, .45),
         reach("B", "waist", .4, .98), walk(.55, .98, .4)],  # move heavy objects
    # shake fist
    92: [reach("R", "shoulder_front", .1, .9, off=(.05, .15, 0)), wiggle("R", .15, .85, amp=(0, .06, .04), freq=5)],
    93: [reach("R", "hold", .03, .3), reach("R", "low", .25, .44), reach("R", "up", .4, .6, ramp=.06),
         head(.45, .85, pitch=-.4)],  # throw up cap
    94: [reach("B", "up", .15, .8)],  # hands up
    95: [reach("B", "arm_other", .15, .9)],  # cross arms
    96: [reach("B", "side", .1, .9), wiggle("B", .15, .85, amp=(0, .2, 0), amp2=(0, 0, .2), freq=3)],  # arm circles
    97: [swing_arms(.1, .9, amp=(0, .25, .45), freq=2.5, same=True)],  # arm swings
    98: [leg_osc("B", .08, .92, amp=(0, .3, .15), freq=5), lift(.1, .9, .04, count=10), reach("B", "bent", .05, .95),
         swing_arms(.1, .9, amp=(0, 0, .15), freq=5)],  # running on the spot
    99: [leg_osc("B", .08, .92, amp=(0, .35, -.3), freq=4), reach("B", "hip", .05, .95)],  # butt kicks
    100: [bend(.12, .88, pitch=1.0), torso_osc(.12, .88, twist=.35, freq=1), reach("R", "toe_other", .15, .48),
          reach("L", "up", .15, .48), reach("L", "toe_other", .52, .86), reach("R", "up", .52, .86)],  # cross toe touch
    101: [leg("R", .3, .62, (.5, .35, 0), ramp=.08), bend(.3, .62, roll=.2), reach("B", "hold", .1, .9)],  # side kick
    102: [reach("R", "mouth", .25, .75), head(.15, .65, pitch=-.3), bend(.15, .6, pitch=-.08)],  # yawn
    # stretch
    103: [reach("B", "up", .1, .8, off=(-.08, .1, 0)), bend(.3, .7, pitch=-.2), torso_osc(.35, .75, roll=.15, freq=1)],
    # blow nose
    104: [reach("B", "nose", .1, .85), head(.35, .62, pitch=.2), torso_osc(.35, .62, pitch=.1, freq=2, rectify=True)],
    # ---- NTU-120 additions, two persons ----
    105: [pair(1.0), reach("R", "up", .12, .4), reach("R", "partner_head", .38, .55, ramp=.06),
          bend(.45, .8, pitch=.35, twist=.2, body=1), reach("B", "face", .4, .8, body=1)],  # hit with something
    106: [pair(1.0), reach("R", "hold", .1, .36), reach("R", "partner_chest", .34, .52, ramp=.05),
          shift(.3, .5, forward=.1), *recoil(.4, .85, distance=.3, tilt=.2),
          reach("B", "hold", .4, .85, body=1)],  # wield knife
    107: [pair(1.4), bend(.2, .6, pitch=.5, twist=.3), shift(.22, .55, forward=.6),
          *recoil(.45, .95, distance=.6, tilt=.45),
          crouch(.6, 1.2, .3, body=1)],  # knock over other person
    108: [pair(1.0), reach("R", "hold", -1, .5, body=1), reach("R", "meet", .45, .66, body=1),
          reach("R", "meet", .3, .48, ramp=.06), reach("R", "hold", .45, .8)],  # grab other person's stuff
    109: [pair(2.0), reach("R", "partner_head", .15, .85, ramp=.12), wiggle("R", .4, .7, amp=(0, .04, 0), freq=3),
          *recoil(.45, .75, distance=.1, tilt=.3), reach("B", "up", .45, .85, body=1)],  # shoot with a gun
    110: [pair(.7), leg("R", .2, .45, (0, .25, .2)), leg("R", .4, .65, (0, 0, .35)),
          leg("L", .5, .8, (0, .1, -.15), body=1),
          bend(.5, .85, pitch=.4, body=1), reach("B", "knee", .55, .85, body=1)],  # step on foot
    # high-five
    111: [pair(1.0), reach("R", "meet_high", .25, .62, ramp=.1), reach("R", "meet_high", .25, .62, ramp=.1, body=1)],
    112: [pair(1.0), reach("R", "meet", .1, .42), reach("R", "meet", .1, .42, body=1), reach("R", "mouth", .45, .85),
          reach("R", "mouth", .45, .85, body=1), head(.5, .85, pitch=-.3), head(.5, .85, pitch=-.3, body=1)],  # cheers
    113: [pair(1.2), crouch(.05, .4, .3), bend(.05, .4, pitch=.6), crouch(.05, .4, .3, body=1),
          bend(.05, .4, pitch=.6, body=1), reach("B", "floor", .03, .4), reach("B", "floor", .03, .4, body=1),
          reach("B", "waist", .35, .98), reach("B", "waist", .35, .98, body=1),
          shift(.5, .95, left=.4), shift(.5, .95, left=-.4, body=1)],  # carry something together
    114: [pair(2.0), reach("B", "face", .1, .9, off=(-.03, 0, .18)), wiggle("R", .3, .7, amp=(0, .01, 0), freq=3),
          reach("R", "shoulder_front", .3, .8, off=(.03, .12, -.05), body=1)],  # take a photo of other
    115: [pair(1.2, facing="behind"), walk(.05, .95, 1.2), walk(.1, .98, 1.2, body=1)],  # follow other person
    116: [pair(.6), bend(.15, .85, pitch=.15, roll=.15), shift(.15, .4, forward=.15),
          reach("R", "mouth", .15, .85, off=(.05, 0, .03)), head(.25, .85, roll=.15, body=1)],  # whisper
    117: [pair(1.0), reach("R", "meet", .15, .75), reach("R", "meet", .15, .75, body=1)],  # exchange things
    118: [pair(.55, facing="beside"), reach("R", "partner_back", .08, .95), reach("L", "partner_shoulder", .08, .95),
          bend(.08, .95, roll=-.25, body=1), leg_osc("B", .1, .9, amp=(0, .06, .1), freq=2, body=1)],  # support
    119: [pair(1.0), reach("R", "hold", .05, .95), reach("R", "hold", .05, .95, body=1),
          wiggle("R", .1, .55, amp=(0, .08, 0), freq=3), wiggle("R", .1, .55, amp=(0, .08, 0), freq=3, body=1),
          reach("R", "meet", .55, .85), reach("R", "meet", .55, .85, body=1)],  # rock-paper-scissors
}
