"""Videos, segments and Label Studio results for the annotation tests."""

from __future__ import annotations

import csv
import http.cookiejar
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np


def write_video(path: Path, seconds: int = 12, fps: int = 5, width: int = 640, height: int = 480) -> Path:
    """A short MPEG-4 video (PyAV) with a moving bright block, so frames differ."""
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(seconds * fps):
            image = np.zeros((height, width, 3), np.uint8)
            image[:, :, 2] = (i * 7) % 255
            x = (i * 9) % max(width - 100, 1)
            image[height // 4 : height // 4 + 80, x : x + 100] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_segments(path: Path, segments: dict) -> Path:
    """``segments``: ``{video: [(step, start, end), ...]}`` in the seg.json layout."""
    path.write_text(json.dumps({v: [{"segment": [a, b], "id": k, "sentence": step}
                                    for k, (step, a, b) in enumerate(segs)] for v, segs in segments.items()}))
    return path


def click(x_px: float, y_px: float, width: int, height: int, item_index: int | None = None) -> dict:
    """A keypoint result as Label Studio stores it (percent of the original image)."""
    result = {"original_width": width, "original_height": height, "image_rotation": 0,
              "value": {"x": x_px / width * 100, "y": y_px / height * 100, "width": 0.5,
                        "keypointlabels": ["action_center"]},
              "from_name": "center", "to_name": "frame", "type": "keypointlabels"}
    if item_index is not None:
        result["item_index"] = item_index
    return result


def choice(name: str, item_index: int | None = None) -> dict:
    result = {"value": {"choices": [name]}, "from_name": "flag", "to_name": "frame", "type": "choices"}
    if item_index is not None:
        result["item_index"] = item_index
    return result


def around(cx: float, cy: float, radius: float, n: int = 5) -> list[tuple[float, float]]:
    """``n`` clicks on a circle: their mean is (cx, cy) and their mean distance to it is ``radius``."""
    return [(cx + radius * math.cos(2 * math.pi * k / n + 0.3), cy + radius * math.sin(2 * math.pi * k / n + 0.3))
            for k in range(n)]


class Browser:
    """An annotator at a Label Studio login page: a session cookie, its CSRF token, plain HTTP (urllib)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, body=None, form: dict | None = None) -> tuple[int, bytes]:
        """``(status, body)`` of ``method path`` with a JSON ``body`` or a ``form``."""
        data, headers = None, {"Referer": f"{self.url}/"}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self._csrf()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def submit(self, page: str, fields: dict) -> tuple[int, bytes]:
        """Fill in and post the form of ``page`` (``/user/login/``, ``/user/signup/``), as a browser does."""
        self.request("GET", page)
        return self.request("POST", page, form={**fields, "csrfmiddlewaretoken": self._csrf()})

    def logged_in(self) -> bool:
        return self.request("GET", "/api/current-user/whoami")[0] == 200

    def token(self) -> str:
        """The account's own API token (what an annotator finds on their account page)."""
        status, body = self.request("GET", "/api/current-user/token")
        assert status == 200, body
        return json.loads(body)["token"]


def passwords(path: Path) -> dict[str, str]:
    """The email -> password table ``users add`` wrote."""
    with open(path, newline="") as handle:
        return {row["email"]: row["password"] for row in csv.DictReader(handle)}
