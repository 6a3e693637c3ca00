"""Starts `clinote serve` on a free loopback port with the tiny real model stories260K
(and a plain chat template, since it has none), a fresh vault folder and training-runs
folder, for the Python server tests. CLINOTE_BIN names the binary (CTest sets it)."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(os.path.dirname(ROOT), "shared", "models", "stories260k", "stories260K.gguf")
TEMPLATE = os.path.join(ROOT, "tests", "server", "plain_chat.jinja")


def binary():
    b = os.environ.get("CLINOTE_BIN") or os.path.join(ROOT, "build", "clinote")
    if not os.path.exists(b):
        raise RuntimeError(f"{b}: clinote binary not found (set CLINOTE_BIN)")
    return b


def tiny_dataset(folder):
    """A training set of four prompt/completion rows (two of them for validation) that
    stories260K learns in a few steps; returns the folder."""
    os.makedirs(folder)
    rows = [{"prompt": f"Tell me about {n}.", "completion": f"{n} had a {t}. They liked to play."}
            for n, t in [("Tim", "red ball"), ("Sue", "big dog"), ("Max", "blue car"), ("Lily", "small cat")]]
    for name, part in [("train.jsonl", rows), ("valid.jsonl", rows[:2])]:
        with open(os.path.join(folder, name), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in part)
    return folder


def output_dir(name):
    """Where a test leaves files for people to look at (screenshots)."""
    base = os.environ.get("CLINOTE_TEST_OUT") or os.path.join(tempfile.gettempdir(), "clinote-server-tests")
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    return d


class Server:
    def __init__(self, *extra_args, model=MODEL, chat_template=TEMPLATE, model_id="stories"):
        self.folder = tempfile.mkdtemp(prefix="clinote-serve-")
        args = [binary(), "serve", "--model", model, "--port", "0", "--model-id", model_id,
                "--vault", os.path.join(self.folder, "vault"), "--train-dir", os.path.join(self.folder, "runs"),
                "--data-dir", self.folder, "--adapter-dir", self.folder,
                "--threads", "1", *extra_args]
        if chat_template:
            args += ["--chat-template", chat_template]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        self.log = []
        found = threading.Event()
        self.port = None

        def read():
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r"serving on http://[^:]+:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(120) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.log))
        self.url = f"http://127.0.0.1:{self.port}"
        # /api needs the per-launch session cookie that the page sets, as a browser gets it.
        with urllib.request.urlopen(self.url + "/", timeout=60) as r:
            self.cookie = r.headers["Set-Cookie"].split(";")[0]

    def request(self, method, path, body=None, headers=None, timeout=120):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Cookie": self.cookie,
                                              **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        return self.proc.returncode
