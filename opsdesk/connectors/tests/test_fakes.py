"""The fakes as the demo runs them: plain Python processes that print what they do."""

import json
import socket
import subprocess
import sys
import urllib.request

from .conftest import SCENARIO_FILE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - a local fake
        return json.loads(answer.read())


def run_fake(module, port):
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", module, "--port", str(port), "--data", str(SCENARIO_FILE)],
        stdout=subprocess.PIPE, text=True)
    banner = process.stdout.readline()
    return process, banner


def test_the_fake_hr_runs_from_the_command_line_and_logs_each_lookup():
    port = free_port()
    process, banner = run_fake("opsdesk.connectors.hr.fake", port)
    try:
        assert banner.startswith(f"Fake HR directory on http://127.0.0.1:{port}: 4 employees")
        answer = get(f"http://127.0.0.1:{port}/employees?email=minh.le@campus.example.edu.vn")
        assert answer["employment_status"] == "terminated"
        process.stdout.readline()  # the endpoints line
        assert "GET /employees?email=minh.le" in process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_the_fake_lms_runs_from_the_command_line():
    port = free_port()
    process, banner = run_fake("opsdesk.connectors.lms.fake", port)
    try:
        assert banner.startswith(f"Fake LMS on http://127.0.0.1:{port}: 5 accounts")
        assert get(f"http://127.0.0.1:{port}/accounts/1001")["status"] == "deactivated"
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_the_fakes_and_clients_need_no_django():
    code = ("import sys; sys.modules['django'] = None\n"
            "import opsdesk.connectors.hr.fake, opsdesk.connectors.lms.fake\n"
            "import opsdesk.connectors.hr.client, opsdesk.connectors.lms.client\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=20)  # noqa: S603
