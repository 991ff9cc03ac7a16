"""The embedded Redis: its data and AOF under the data folder; started and stopped with a command."""
import os
import subprocess
import sys

from handlers.embedded_redis import EmbeddedRedis
from handlers.redis_client import client_from_url


def test_server_keeps_an_append_only_file(tmp_path):
    server = EmbeddedRedis(tmp_path).start()
    try:
        client = client_from_url(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.set("k", "v")
    finally:
        server.stop()
    assert (tmp_path / "appendonly.aof").exists()
    # Data survives a restart through the AOF.
    again = EmbeddedRedis(tmp_path).start()
    try:
        assert client_from_url(again.url).get("k") == "v"
    finally:
        again.stop()


def test_run_command_gets_redis_url_and_server_stops_after(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["EMBEDDED_REDIS_DIR"] = str(tmp_path)
    script = "import os; from handlers.redis_client import client_from_url; print(client_from_url(os.environ['REDIS_URL']).ping())"
    result = subprocess.run(
        [sys.executable, "-m", "handlers.embedded_redis", sys.executable, "-c", script],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert not EmbeddedRedis(tmp_path).answers()


def test_dotenv_init_fills_only_missing_variables(tmp_path, monkeypatch):
    from handlers import dotenv_init

    rules = tmp_path / "routes.yaml"
    rules.write_text("tokens: ['${A_TOKEN}', '${B_TOKEN}', '${C_TOKEN}', '${A_TOKEN}']\n")
    dotenv = tmp_path / ".env"
    dotenv.write_text("B_TOKEN=kept")
    monkeypatch.setenv("C_TOKEN", "from-env")
    for name in ("A_TOKEN", "ADMIN_TOKEN", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    dotenv_init.main(str(rules), str(dotenv))
    lines = dotenv.read_text().splitlines()
    assert lines[0] == "B_TOKEN=kept"
    assert [line.split("=")[0] for line in lines] == ["B_TOKEN", "A_TOKEN", "ADMIN_TOKEN", "SECRET_KEY"]
    assert len(lines[1]) > len("A_TOKEN=") + 20
    dotenv_init.main(str(rules), str(dotenv))
    assert dotenv.read_text().splitlines() == lines


def test_dotenv_init_generates_admin_token_and_secret_key_once(tmp_path, monkeypatch):
    """Before: ADMIN_TOKEN was never generated, so a fresh clone's admin API answered 401."""
    from handlers import dotenv_init

    rules = tmp_path / "routes.yaml"
    rules.write_text("sources: {}\n")
    dotenv = tmp_path / ".env"
    monkeypatch.setenv("SECRET_KEY", "set-by-you")
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    dotenv_init.main(str(rules), str(dotenv))
    (line,) = dotenv.read_text().splitlines()
    assert line.startswith("ADMIN_TOKEN=") and len(line) > len("ADMIN_TOKEN=") + 20
    dotenv_init.main(str(rules), str(dotenv))
    assert dotenv.read_text().splitlines() == [line]


def test_sigterm_to_the_wrapper_reaches_the_command_with_redis_url_set(tmp_path, redis_url):
    """Before: with REDIS_URL set the wrapper died of SIGTERM and left the command running."""
    import signal
    import time

    started, stopped = tmp_path / "started", tmp_path / "stopped"
    child = ("import signal, sys, time\n"
             f"signal.signal(signal.SIGTERM, lambda *_: (open({str(stopped)!r}, 'w').close(), sys.exit(0)))\n"
             f"open({str(started)!r}, 'w').close()\n"
             "time.sleep(60)\n")
    wrapper = subprocess.Popen([sys.executable, "-m", "handlers.embedded_redis", sys.executable, "-c", child],
                               env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_url},
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(30) == 0
    assert stopped.exists()
