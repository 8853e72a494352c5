"""Label Studio centre-point annotation and box derivation (the GroundingYouTube protocol).

Annotators click the centre of the named action on frames sampled at 1 fps
inside its temporal segments (or answer "cannot answer"); a majority of
clicks makes the action visible on that frame, and a box is derived from the
clicks. This package builds the frames and tasks, runs or connects to a Label
Studio server, pushes tasks, pulls every annotation as a snapshot, derives a
GroundingYouTube-layout dataset, and draws the quality-control sample. The
server it starts is guarded for a real team (``annotation.server``): its
secrets are never served, annotators have their own accounts and can change
nothing but their own annotations, and ``pull`` keeps out of the vote what
the server records as cast in someone else's name.

It is installed with ``pip install 'stvg-bench[annotation]'`` (label-studio-sdk,
PyAV, Pillow); third-party modules are imported inside functions through
:func:`annotation.extra.require`, so the core stays light and ``stvg-bench
annotate`` explains how to install what is missing.
"""
