"""Frame-accurate video access: decoders (PyAV, OpenCV as a fallback), folders of extracted frames,
and per-dataset path resolution (:mod:`~baselines.video.sources`)."""
