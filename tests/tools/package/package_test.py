#!/usr/bin/env python3
"""The Debian package, checked the way an operator meets it.

  package_test.py build --build-dir B --out DIR
      cpack makes the .deb; dpkg-deb shows the expected files, modes and
      maintainer scripts; systemd-analyze accepts the unit (no warning at
      all) and rates its exposure as hardened.
  package_test.py install --out DIR
      dpkg -i installs it; the service user, data folder and settings file
      exist; the server started from the unit's own ExecStart line, as the
      unit's user and environment, tells a notify socket READY, serves a
      login and meta for a user added with the command the package
      prints, pings the watchdog, stops on SIGTERM; dpkg -r and --purge
      remove the program and settings and keep the data.
      Needs root and a machine without ankisync installed; exits 77 (skip)
      otherwise, never touching an existing installation.
"""

import argparse
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "integration",
                                "other_client"))

SKIP = 77
UNIT = "/lib/systemd/system/ankisync.service"
DATA = "/var/lib/ankisync"
SETTINGS = "/etc/default/ankisync"
TLS_MODULE = "/usr/lib/ankisync/libankisync-tls.so"


class Failed(Exception):
    pass


def run(cmd, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    except OSError as e:
        raise Failed(f"{cmd[0]}: {e}")
    if p.returncode != 0:
        raise Failed(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def the_deb(out):
    debs = glob.glob(os.path.join(out, "ankisync_*.deb"))
    if len(debs) != 1:
        raise Failed(f"expected one ankisync_*.deb in {out}, found {debs}")
    return debs[0]


def build(args):
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    run(["cpack", "-G", "DEB", "-B", args.out], cwd=args.build_dir)
    deb = the_deb(args.out)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    if not os.path.basename(deb).endswith(f"_{arch}.deb"):
        raise Failed(f"{deb}: not named for this machine's architecture {arch}")

    listing = run(["dpkg-deb", "-c", deb]).stdout
    modes = {}
    for line in listing.splitlines():
        fields = line.split()
        modes[fields[-1].lstrip(".")] = fields[0]
    expected = {
        "/usr/bin/ankisync": "-rwxr-xr-x",
        TLS_MODULE: "-rw-r--r--",
        UNIT: "-rw-r--r--",
        SETTINGS: "-rw-------",
        "/usr/share/doc/ankisync/deploy.md": "-rw-r--r--",
        "/usr/share/doc/ankisync/README.md": "-rw-r--r--",
    }
    for path, mode in expected.items():
        if modes.get(path) != mode:
            raise Failed(f"{path}: expected {mode} in the package, found {modes.get(path)}")
    if any(p.startswith("/var/lib") for p in modes):
        raise Failed("the package must not ship files in the data folder")

    info = run(["dpkg-deb", "-I", deb]).stdout
    for part in ("postinst", "prerm", "postrm", "conffiles"):
        if f" {part} " not in info:
            raise Failed(f"the package has no {part}")
    if not re.search(r"^ Depends:.*libc6", info, re.M):
        raise Failed("library dependencies were not computed:\n" + info)
    conffiles = run(["dpkg-deb", "--info", deb, "conffiles"]).stdout.split()
    if conffiles != [SETTINGS]:
        raise Failed(f"conffiles: {conffiles}")

    # The unit as shipped, with ExecStart pointing at a binary that exists
    # here, so that systemd-analyze checks that too.
    with tempfile.TemporaryDirectory() as folder:
        run(["dpkg-deb", "-x", deb, folder])
        unit = os.path.join(folder, "ankisync.service")
        with open(folder + UNIT) as f:
            text = f.read()
        with open(unit, "w") as f:
            f.write(text.replace("/usr/bin/ankisync", folder + "/usr/bin/ankisync"))
        verified = subprocess.run(["systemd-analyze", "verify", unit],
                                  capture_output=True, text=True)
        said = (verified.stdout + verified.stderr).strip()
        if verified.returncode != 0 or said:
            raise Failed(f"systemd-analyze verify: {said}")
        security = run(["systemd-analyze", "security", "--offline=yes", unit]).stdout
        level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security)
        if not level or float(level.group(1)) > 2.0:
            raise Failed("the unit is not hardened enough:\n" + security[-2000:])
        print(f"exposure level {level.group(1)}")
        # The packaged binary runs (stripped, with its library dependencies met).
        run([folder + "/usr/bin/ankisync", "--help"])
        # TLS: the binary finds its module where the package puts it (the
        # error is then about the certificate, not the module).
        missing = os.path.join(folder, "missing.pem")
        tls = subprocess.run([folder + "/usr/bin/ankisync", "serve", "--data",
                              os.path.join(folder, "data"), "--port", "0", "--no-admin",
                              "--tls-cert", missing, "--tls-key", missing],
                             capture_output=True, text=True, timeout=60)
        if tls.returncode == 0 or missing not in tls.stdout + tls.stderr:
            raise Failed("the packaged binary did not load its TLS module:\n"
                         + tls.stdout + tls.stderr)


def unit_settings(path):
    """Environment, EnvironmentFile, ExecStart and User of the unit."""
    env, files, exec_start, user = {}, [], None, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            key, _, value = line.partition("=")
            if key == "Environment":
                for assignment in shlex.split(value):
                    k, _, v = assignment.partition("=")
                    env[k] = v
            elif key == "EnvironmentFile":
                files.append(value)
            elif key == "ExecStart":
                exec_start = shlex.split(value)
            elif key == "User":
                user = value
    return env, files, exec_start, user


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                env[k] = v
    return env


def serve_from_unit(tmp):
    env, files, exec_start, user = unit_settings(UNIT)
    if exec_start[0] != "/usr/bin/ankisync" or user != "ankisync":
        raise Failed(f"unexpected unit: ExecStart={exec_start} User={user}")
    for name in files:
        optional = name.startswith("-")
        name = name.lstrip("-")
        if os.path.exists(name):
            env.update(read_env_file(name))
        elif not optional:
            raise Failed(f"{name} is missing")
    if env.get("SYNC_HOST") != "0.0.0.0" or env.get("SYNC_BASE") != DATA:
        raise Failed(f"unexpected settings: {env}")
    # Loopback and free ports for the test; everything else as the unit.
    env.update(SYNC_HOST="127.0.0.1", SYNC_PORT="0", ANKISYNC_ADMIN_PORT="0",
               PATH="/usr/bin:/bin")
    notify_path = os.path.join(tmp, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(tmp, 0o755)
    os.chmod(notify_path, 0o777)
    notify.settimeout(30)
    env.update(NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000")
    server = subprocess.Popen(
        ["setpriv", "--reuid=ankisync", "--regid=ankisync", "--init-groups", "--"] + exec_start,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: os.umask(0o077))
    return server, notify


def receive(notify, wanted):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = notify.recv(4096).decode()
        if wanted in message:
            return message
    raise Failed(f"no {wanted} from the server")


def sync_login(port, user, password):
    from v11_client import Client  # needs python3-zstandard
    client = Client(port)
    key = client.call("sync/hostKey", {"u": user, "p": password})["key"]
    client.host_key = key
    meta = client.call("sync/meta", {"v": 11, "cv": "pkgtest,1.0,linux"})
    if not meta.get("cont"):
        raise Failed(f"meta refused the session: {meta}")


def install(args):
    if os.geteuid() != 0:
        print("skipped: installing a package needs root")
        return SKIP
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "ankisync"],
                               capture_output=True, text=True).stdout
    if "installed" in installed or os.path.exists(DATA):
        print("skipped: this machine already has ankisync installed or its data folder")
        return SKIP
    deb = the_deb(args.out)
    had_user = subprocess.run(["getent", "passwd", "ankisync"],
                              capture_output=True).returncode == 0
    had_group = subprocess.run(["getent", "group", "ankisync"],
                               capture_output=True).returncode == 0
    try:
        out = run(["dpkg", "-i", deb]).stdout
        if "runuser -u ankisync -- ankisync user add --data /var/lib/ankisync NAME" not in out:
            raise Failed("postinst did not say how to add a user:\n" + out)
        owner = pwd.getpwuid(os.stat(DATA).st_uid).pw_name
        if owner != "ankisync" or (os.stat(DATA).st_mode & 0o777) != 0o700:
            raise Failed(f"{DATA}: owner {owner}, mode {oct(os.stat(DATA).st_mode)}")
        if (os.stat(SETTINGS).st_mode & 0o777) != 0o600:
            raise Failed(f"{SETTINGS} is readable by others")

        # The command the package prints, with the password on stdin.
        run(["runuser", "-u", "ankisync", "--", "ankisync", "user", "add", "--data", DATA,
             "alice"], input="secret words\n")

        # Root in the service's folder is turned away before it writes.
        as_root = subprocess.run(["ankisync", "user", "add", "--data", DATA, "bob"],
                                 input="pw\n", text=True, capture_output=True)
        if as_root.returncode == 0 or "runuser -u ankisync" not in as_root.stderr:
            raise Failed(f"root was let into the service's folder: {as_root.stderr}")
        for path in glob.glob(f"{DATA}/**", recursive=True):
            if os.stat(path).st_uid == 0:
                raise Failed(f"{path} belongs to root")

        with tempfile.TemporaryDirectory() as tmp:
            server, notify = serve_from_unit(tmp)
            try:
                ready = receive(notify, "READY=1")
                port = int(re.search(r":(\d+)$", ready.splitlines()[-1]).group(1))
                sync_login(port, "alice", "secret words")
                receive(notify, "WATCHDOG=1")
                server.send_signal(signal.SIGTERM)
                receive(notify, "STOPPING=1")
                code = server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
            log = server.stdout.read()
            if code != 0:
                raise Failed(f"the server exited {code}:\n{log}")
        for path in (DATA, f"{DATA}/users.db", f"{DATA}/alice"):
            st = os.stat(path)
            if pwd.getpwuid(st.st_uid).pw_name != "ankisync" or st.st_mode & 0o077:
                raise Failed(f"{path}: owner or mode wrong ({oct(st.st_mode)})")

        run(["dpkg", "-r", "ankisync"])
        if os.path.exists("/usr/bin/ankisync") or os.path.exists(UNIT):
            raise Failed("dpkg -r left the program or the unit")
        if not os.path.exists(SETTINGS):
            raise Failed("dpkg -r removed the settings (a conffile stays until purge)")
        purged = run(["dpkg", "--purge", "ankisync"]).stdout
        if os.path.exists(SETTINGS):
            raise Failed("dpkg --purge left the settings")
        if not os.path.exists(f"{DATA}/alice"):
            raise Failed("removing the package removed a user's data")
        if "was kept" not in purged:
            raise Failed("purge did not say the data folder was kept:\n" + purged)
        print("installed, served, removed")
        return 0
    finally:
        # Leave the machine as it was: everything below was made by this test.
        subprocess.run(["dpkg", "--purge", "ankisync"], capture_output=True)
        shutil.rmtree(DATA, ignore_errors=True)
        if not had_user:
            subprocess.run(["userdel", "ankisync"], capture_output=True)
        if not had_group:
            subprocess.run(["groupdel", "ankisync"], capture_output=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("step", choices=["build", "install"])
    p.add_argument("--build-dir")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    try:
        if args.step == "build":
            build(args)
            return 0
        return install(args)
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
