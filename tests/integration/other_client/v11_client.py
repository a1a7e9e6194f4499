#!/usr/bin/env python3
"""A second, independent sync client for the recording tests.

It speaks protocol v11 from the protocol documents alone, sharing no code
with the server or the reference client, and frames its bodies the way
third-party clients do: every body is ONE zstd frame made by a one-shot
ZstdCompressor().compress(), so the frame header carries the content size
(the reference client streams frames without it), and one random session
key serves every request it makes.

The session: a login with a wrong password (403), one with the right
password, a full upload of the given collection, two normal syncs (the
second adds a tag), then media: an upload of two files, a download, a
deletion and a sanity check. Exit 0 when every answer was the expected
one; otherwise a line on stderr saying which request went wrong, exit 1.

usage: v11_client.py --port N --user U --password P --collection FILE
"""

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import string
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile

import zstandard

SYNC_VERSION = 11
CLIENT_VERSION = "pyclient,1.0,linux"


class Failed(Exception):
    pass


class Client:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}/"
        self.host_key = ""
        # One key for the whole run, as the client this stands for does.
        self.session_key = "".join(random.choice(string.ascii_letters) for _ in range(8))
        self.compressor = zstandard.ZstdCompressor()

    def post(self, path, body, expect=200):
        """Sends `body` (bytes), returns the decoded answer (bytes)."""
        header = json.dumps({"v": SYNC_VERSION, "k": self.host_key,
                             "c": CLIENT_VERSION, "s": self.session_key})
        wire = self.compressor.compress(body)
        request = urllib.request.Request(
            self.base + path, data=wire, method="POST",
            headers={"anki-sync": header, "content-type": "application/octet-stream"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, data, original = answer.status, answer.read(), \
                    answer.headers.get("anki-original-size")
        except urllib.error.HTTPError as e:
            status, data, original = e.code, e.read(), None
        if status != expect:
            raise Failed(f"{path}: expected {expect}, got {status}: {data[:200]!r}")
        if status != 200:
            return data
        if original is None:
            raise Failed(f"{path}: 200 without anki-original-size")
        # The answer is a zstd stream; its frames may lack the content size.
        decoded = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        if len(decoded) != int(original):
            raise Failed(f"{path}: {len(decoded)} bytes, anki-original-size {original}")
        return decoded

    def call(self, path, obj, expect=200):
        answer = self.post(path, json.dumps(obj).encode(), expect)
        return json.loads(answer) if expect == 200 else answer


def unicase(a, b):
    return (a.casefold() > b.casefold()) - (a.casefold() < b.casefold())


def open_collection(path, mode):
    db = sqlite3.connect(f"file:{path}?mode={mode}", uri=True)
    # Anki's indexes on names use this collation; queries may read them.
    db.create_collation("unicase", unicase)
    return db


def prepared_for_upload(collection):
    """The collection's bytes as a client uploads them: what was pending
    (usn -1) is marked as synced (usn 0), on a copy."""
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "upload.anki2")
        shutil.copyfile(collection, copy)
        db = open_collection(copy, "rw")
        for table in ("cards", "notes", "revlog", "graves", "notetypes", "decks",
                      "deck_config", "tags", "config"):
            db.execute(f"update {table} set usn = 0 where usn = -1")
        db.commit()
        db.execute("pragma journal_mode = delete")
        db.close()
        with open(copy, "rb") as f:
            return f.read()


def counts(collection):
    """Sanity-check counts of the local collection, as a client sends them:
    due counts and graves are zero (the server ignores them)."""
    db = open_collection(collection, "ro")
    try:
        n = lambda table: db.execute(f"select count(*) from {table}").fetchone()[0]
        return [[0, 0, 0], n("cards"), n("notes"), n("revlog"), 0,
                n("notetypes"), n("decks"), n("deck_config")]
    finally:
        db.close()


def normal_sync(c, collection, tags):
    meta = c.call("sync/meta", {"v": SYNC_VERSION, "cv": CLIENT_VERSION})
    c.call("sync/start", {"minUsn": meta["usn"], "lnewer": False, "graves": None})
    c.call("sync/applyGraves", {"chunk": {"cards": [], "notes": [], "decks": []}})
    c.call("sync/applyChanges", {"changes": {"models": [], "decks": [[], []], "tags": tags}})
    while not c.call("sync/chunk", {})["done"]:
        pass
    c.call("sync/applyChunk", {"chunk": {"done": True}})
    sanity = c.call("sync/sanityCheck2", {"client": counts(collection)})
    if sanity["status"] != "ok":
        raise Failed(f"sanity check: {sanity}")
    c.call("sync/finish", {})


def upload_zip(files):
    """files: [(name, bytes or None for a deletion)]. Deflated members and
    a null member name for deletions, as the protocol document allows."""
    out = io.BytesIO()
    meta = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(files):
            if data is None:
                meta.append([name, None])
            else:
                z.writestr(str(i), data)
                meta.append([name, str(i)])
        z.writestr("_meta", json.dumps(meta))
    return out.getvalue()


def media(c):
    begin = c.call("msync/begin", {"v": CLIENT_VERSION})
    usn = begin["data"]["usn"]
    files = [("py-one.txt", b"one " * 100), ("py-two.txt", b"two " * 50)]
    done = json.loads(c.post("msync/uploadChanges", upload_zip(files)))
    if done["data"] != [2, usn + 2]:
        raise Failed(f"uploadChanges: {done}")
    changes = c.call("msync/mediaChanges", {"lastUsn": usn})["data"]
    if sorted(row[0] for row in changes) != ["py-one.txt", "py-two.txt"]:
        raise Failed(f"mediaChanges: {changes}")
    zipped = c.post("msync/downloadFiles", json.dumps({"files": ["py-one.txt"]}).encode())
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        names = json.loads(z.read("_meta"))
        got = {names[m]: z.read(m) for m in z.namelist() if m != "_meta"}
    if got != {"py-one.txt": files[0][1]}:
        raise Failed(f"downloadFiles: {sorted(got)}")
    done = json.loads(c.post("msync/uploadChanges", upload_zip([("py-two.txt", None)])))
    if done["data"] != [1, usn + 3]:
        raise Failed(f"uploadChanges (deletion): {done}")
    sanity = c.call("msync/mediaSanity", {"local": 1})
    if sanity["data"] != "OK":
        raise Failed(f"mediaSanity: {sanity}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--collection", required=True)
    a = p.parse_args()

    c = Client(a.port)
    c.call("sync/hostKey", {"u": a.user, "p": a.password + "-wrong"}, expect=403)
    c.host_key = c.call("sync/hostKey", {"u": a.user, "p": a.password})["key"]
    c.call("sync/meta", {"v": SYNC_VERSION, "cv": CLIENT_VERSION})
    answer = c.post("sync/upload", prepared_for_upload(a.collection))
    if answer != b"OK":
        raise Failed(f"upload: {answer[:200]!r}")
    normal_sync(c, a.collection, [])
    normal_sync(c, a.collection, ["from-python"])
    media(c)
    print("v11_client: session done")


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        print(f"v11_client: {e}", file=sys.stderr)
        sys.exit(1)
