"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``): no
websocket library, no port. Opens a page, records console messages, uncaught exceptions, log entries
and every network request, runs JavaScript and takes screenshots."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLog:
    console: list[dict[str, Any]] = field(default_factory=list)  # {"type", "text"}
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)  # {"level", "text", "url"}
    requests: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (failed loads, CSP, …)."""
        found = [f"console.{m['type']}: {m['text']}" for m in self.console if m["type"] in ("error", "assert")]
        found += [f"uncaught: {text}" for text in self.exceptions]
        found += [
            f"log {e['level']}: {e['text']} {e.get('url') or ''}" for e in self.log_entries if e["level"] == "error"
        ]
        return found

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(("data:", "file:", "blob:", "about:", "chrome"))]


class Chromium:
    """``with Chromium() as browser: page = browser.open(url); browser.screenshot(path)``."""

    def __init__(self, width: int = 1400, height: int = 1000, timeout: float = 60) -> None:
        self.width, self.height, self.timeout = width, height, timeout
        self._next_id = 0
        self._responses: dict[int, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self.log = PageLog()
        self.session: str | None = None

    def __enter__(self) -> Chromium:
        path = chromium_path()
        if path is None:
            raise RuntimeError("chromium is not installed")
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # the child reads commands on fd 3 and writes answers on fd 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [
                path,
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=wire,
            close_fds=False,  # fds 3 and 4 (set by wire) stay open in the child
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._stderr: list[bytes] = []
        threading.Thread(target=lambda: self._stderr.append(self.process.stderr.read()), daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call("Browser.close", session=False, timeout=10)
        except Exception:  # noqa: BLE001 — closing anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        self._profile.cleanup()

    # -- the protocol -------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._cond:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self._event(message)
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        self._events.append(message)
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.log.console.append({"type": params.get("type"), "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.log.exceptions.append((details.get("exception") or {}).get("description") or details.get("text", ""))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.log.log_entries.append(
                {"level": entry.get("level"), "text": entry.get("text"), "url": entry.get("url")}
            )
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(params.get("request", {}).get("url", ""))

    def call(self, method: str, params: dict | None = None, session: bool = True, timeout: float | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while self._next_id not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"{method}: no answer from chromium ({b''.join(self._stderr)[-500:]!r})")
                self._cond.wait(left)
            answer = self._responses.pop(self._next_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def wait_event(self, method: str, since: int = 0, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                for event in self._events[since:]:
                    if event.get("method") == method:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {method} within the timeout")
                self._cond.wait(left)

    # -- what the tests use -------------------------------------------------------------------
    def open(self, url: str, settle: float = 2.0) -> PageLog:
        """Load ``url``, wait for its load event and ``settle`` seconds more (the page's scripts)."""
        mark = len(self._events)
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", since=mark)
        time.sleep(settle)
        return self.log

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def evaluate_in_frame(self, expression: str) -> Any:
        """``evaluate`` inside the page's first iframe (the Snakemake report shows a result in one)."""
        frames = self.call("Page.getFrameTree")["frameTree"].get("childFrames") or []
        if not frames:
            raise RuntimeError("the page has no iframe")
        context = self.call("Page.createIsolatedWorld", {"frameId": frames[0]["frame"]["id"]})["executionContextId"]
        result = self.call("Runtime.evaluate", {"expression": expression, "contextId": context, "returnByValue": True})
        return result.get("result", {}).get("value")

    def screenshot(self, path: str | Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path
