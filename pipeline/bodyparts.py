"""The body parts both sides of the pipeline share: the skeleton's joints are grouped into them
(pipeline/skeleton/bodyparts.py) and each class's local description is read for what each of them does
(pipeline/describe/parts.py), so that method `bodyparts` can map every part's motion to that part's text."""

BODY_PARTS = ("right arm", "left arm", "legs", "trunk")
