"""Run several long-lived processes as one: start them all, stop them all.

`manage.py serve` runs gunicorn, the task worker and the mail scheduler together, so that
`make run` stays one command. Each child gets its own process group, so a Ctrl-C in the terminal reaches only
the supervisor, which passes one SIGTERM to each child: the worker finishes its current
task instead of taking a second Ctrl-C as "force". When any child exits on its own, the
others are stopped too, so that a site never runs without its worker or the reverse.
"""
import ctypes
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in each child before it starts: Linux sends it SIGTERM if the supervisor is killed
    (kill -9, the OOM killer), so no gunicorn is left holding the port. Elsewhere a no-op."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(commands: dict[str, list[str]], *, cwd, env=None, stop_timeout: float = 30, log=print) -> int:
    """Run `commands` (name → argv) until a signal or one of them exits; returns the exit code.

    0 after SIGINT or SIGTERM when every child stopped cleanly; otherwise the first
    non-zero code of a child (1 if a child that exited by itself reported 0).
    """
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum)) for sig in stop_signals}
    children: dict[str, subprocess.Popen] = {}
    first_exit = None
    try:
        for name, argv in commands.items():
            children[name] = subprocess.Popen(argv, cwd=cwd, env=env, process_group=0, preexec_fn=_die_with_parent)
            log(f"{name}: pid {children[name].pid}")
        first_exit = _wait_for_stop(children, received)
    finally:
        # Also on an error while starting: nothing is left running behind us.
        code = _stop_all(children, first_exit=first_exit, stop_timeout=stop_timeout, log=log)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _wait_for_stop(children: dict[str, subprocess.Popen], received: list[int]) -> str | None:
    """The name of the first child to exit, or None once a stop signal arrived."""
    while not received:
        for name, child in children.items():
            if child.poll() is not None:
                return name
        time.sleep(POLL_SECONDS)
    return None


def _stop_all(children, *, first_exit: str | None, stop_timeout: float, log) -> int:
    if first_exit is not None:
        log(f"{first_exit} exited with code {children[first_exit].returncode}; stopping the others")
    stopped = set()
    for name, child in children.items():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            stopped.add(name)
    deadline = time.monotonic() + stop_timeout
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{name} still running after {stop_timeout:g} s; killing it")
            child.kill()
            child.wait()
    codes = [_exit_code(child.returncode, stopped=name in stopped) for name, child in children.items()]
    failed = next((code for code in codes if code), 0)
    return failed or (1 if first_exit is not None else 0)


def _exit_code(returncode: int, *, stopped: bool) -> int:
    """A child's code as a shell reports it (128 + n when killed by signal n); 0 for one
    that died of the SIGTERM we sent it: it was still starting, before it could handle the
    signal, and it stopped as asked."""
    if stopped and returncode == -signal.SIGTERM:
        return 0
    return returncode if returncode >= 0 else 128 - returncode
