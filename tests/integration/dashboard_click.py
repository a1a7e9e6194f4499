#!/usr/bin/env python3
"""Drives the admin dashboard in headless chromium, as a person would: opens
the page, waits for its first refresh, clicks one user's recording switch
and waits until the page says the server took it. Speaks the DevTools
protocol over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4),
so it needs nothing beyond Python and chromium.

usage: dashboard_click.py CHROMIUM URL USER
Prints the page's status line; exits 0 when the click took effect."""

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, chromium, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def child_fds():
            # The browser reads commands on fd 3 and writes answers on fd 4.
            # Out of the way first, in case either pipe end is 3 or 4; dup2
            # leaves the copies open across exec, every other fd of ours is
            # close-on-exec.
            reads = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            writes = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            close_fds=False, preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.buffer = b""

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_browser, 65536)
                if not chunk:
                    raise RuntimeError("the browser closed the pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(method + ": " + json.dumps(reply["error"]))
                return reply.get("result", {})
        raise RuntimeError(method + ": no answer")

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main():
    chromium, url, user = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(chromium, profile)
        try:
            target = browser.call("Target.createTarget", {"url": url})["targetId"]
            session = browser.call("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]

            def evaluate(expression):
                r = browser.call("Runtime.evaluate",
                                 {"expression": expression, "returnByValue": True}, session)
                return r.get("result", {}).get("value")

            def wait_for(expression, seconds):
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    if evaluate(expression):
                        return True
                    time.sleep(0.1)
                return False

            switch = 'document.querySelector(\'tr[data-user="%s"] input[type=checkbox]\')' % user
            if not wait_for(switch + " !== null", 30):
                print("no recording switch for " + user + "; page: " +
                      str(evaluate("document.body.innerText")))
                return 1
            was = evaluate(switch + ".checked")
            evaluate(switch + ".click()")
            # The page re-enables the switch once the server answered.
            expected = "stopped recording " if was else "recording "
            took = wait_for('document.getElementById("action").textContent === "%s%s"'
                            % (expected, user), 30)
            print(evaluate('document.getElementById("action").textContent'))
            return 0 if took else 1
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
