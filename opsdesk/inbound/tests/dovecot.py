"""A real IMAP server for the tests: Dovecot on a free loopback port, with its own config,
a passwd-file user and a maildir in a temporary directory (not the system service)."""

import getpass
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "a-test-password"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = opsdesk-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mail_owner() -> tuple[int, int, str]:
    """Who owns the mail: Dovecot never opens mail as root, so as root that is `nobody`."""
    if os.geteuid() != 0:
        me = getpass.getuser()
        return os.getuid(), os.getgid(), (
            f"default_login_user = {me}\ndefault_internal_user = {me}\n"
            f"default_internal_group = {grp.getgrgid(os.getgid()).gr_name}"
        )
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid, ""


def start() -> ImapServer:
    """Start Dovecot in the foreground; raise with its log if it does not answer."""
    root = Path(tempfile.mkdtemp(prefix="opsdesk-dovecot-"))
    root.chmod(0o755)
    uid, gid, users = _mail_owner()
    home = root / "mail" / USER
    home.mkdir(parents=True)
    for path in (root / "mail", home):
        os.chown(path, uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, users=users))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],  # noqa: S603 - fixed argv
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = ImapServer("127.0.0.1", port, USER, PASSWORD, root, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop(server)
            raise RuntimeError(f"dovecot exited:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    log = server.log()
    stop(server)
    raise RuntimeError(f"dovecot did not answer on port {port}:\n{log}")


def stop(server: ImapServer) -> None:
    """Stop the Dovecot this test run started, and remove its files."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    shutil.rmtree(server.root, ignore_errors=True)
