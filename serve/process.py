"""Run the scorer: on the embedded broker, on a Mosquitto or NATS it starts, or on a running one."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace

from protocol.address import BrokerAddress
from scorer.lock import DatabaseLock
from scorer.metrics import Metrics, MetricsServer
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store
from serve.local import LocalBroker, WebSettings, start_board, start_broker, ws_port_for
from serve.standby import take_lock, wait_until_no_live_scorer
from serve.supervisor import Supervisor
from web.server import WebBoard

__all__ = ["serve", "serve_several", "until_terminated"]


async def serve(settings: ScorerSettings, *, local: LocalBroker | None,
                on_ready: Callable[[BrokerAddress], None],
                metrics_address: tuple[str, int] | None = None,
                standby: bool = False,
                on_standby: Callable[[str], None] | None = None,
                web: WebSettings | None = None,
                on_board: Callable[[str, list[str]], None] | None = None) -> None:
    """Serve until cancelled; start the local broker first when there is one.

    `on_ready` receives the address players should use, once the scorer is online.
    With `metrics_address=(host, port)`, /metrics, /healthz and /readyz are served there.
    With `web`, the web board is served too, and right after `on_ready`, `on_board`
    receives its URL and the codes of the quizzes not finished.

    Exactly one scorer runs per database and per broker: the database's lock is taken
    before it is opened, and on a running broker a live scorer's retained status is read
    first; either refuses the start (AlreadyServingError, serve/standby.py). With
    `standby`, both are waited for instead, and `on_standby` is told what is awaited.
    """
    lock = DatabaseLock(settings.database)
    try:
        if str(settings.database) != ":memory:":
            await take_lock(lock, standby, on_standby)
        if local is None:
            await wait_until_no_live_scorer(settings, standby=standby, on_standby=on_standby)
        await _serve_locked(settings, local, on_ready, metrics_address, web, on_board)
    finally:
        lock.release()


async def _serve_locked(settings: ScorerSettings, local: LocalBroker | None,
                        on_ready: Callable[[BrokerAddress], None],
                        metrics_address: tuple[str, int] | None,
                        web: WebSettings | None = None,
                        on_board: Callable[[str, list[str]], None] | None = None) -> None:
    store = Store(settings.database)
    metrics = Metrics()
    ws_port = ws_port_for(web, local)  # the broker's WebSockets listener, for the web board
    try:
        async with contextlib.AsyncExitStack() as stack:
            if metrics_address is not None:
                await stack.enter_async_context(MetricsServer(metrics, *metrics_address))
            account, public, ws_port = await start_broker(stack, settings.broker, local,
                                                          ws_port, metrics)
            scorer = Scorer(replace(settings, broker=account), store, metrics=metrics)
            board = await start_board(stack, web, public, ws_port)
            await _run(scorer, public, _announce(on_ready, scorer, board, on_board))
    finally:
        store.close()


async def serve_several(settings: ScorerSettings, count: int, *, local: LocalBroker | None,
                        on_ready: Callable[[BrokerAddress], None],
                        child_options: list[str], metrics_port: int = 0,
                        web: WebSettings | None = None,
                        on_board: Callable[[str, list[str]], None] | None = None) -> None:
    """Run `count` scorer processes, each owning some quizzes, under one supervisor.

    The local broker and the web board run here; each scorer is a `quiz serve` of its own
    (serve/supervisor.py), restarted when it dies.
    """
    ws_port = ws_port_for(web, local)
    async with contextlib.AsyncExitStack() as stack:
        account, public, ws_port = await start_broker(stack, settings.broker, local, ws_port)
        board = await start_board(stack, web, public, ws_port)

        def ready() -> None:
            on_ready(public)
            if board is not None and on_board is not None:
                on_board(board.url, [])

        await Supervisor(count, account, settings, child_options, metrics_port).run(ready)


async def until_terminated(main: Awaitable[None]) -> None:
    """Run `main` until it ends; SIGTERM stops it as Ctrl-C does, and then this returns.

    systemd, Docker and `kill` send SIGTERM, whose default action ends the process at once:
    no goodbye, and a Mosquitto started by `quiz serve` left running on its port. Cancelling
    the task instead runs every `finally` and context exit, as KeyboardInterrupt does.
    """
    task = asyncio.current_task()
    assert task is not None  # noqa: S101 - always awaited inside a task
    loop = asyncio.get_running_loop()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        await main
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _announce(on_ready: Callable[[BrokerAddress], None], scorer: Scorer, board: WebBoard | None,
              on_board: Callable[[str, list[str]], None] | None,
              ) -> Callable[[BrokerAddress], None]:
    """`on_ready`, then the board's URL and the quizzes not finished, once online."""
    def ready(public: BrokerAddress) -> None:
        on_ready(public)
        if board is not None and on_board is not None:
            live = sorted(code for code, quiz in scorer.quizzes.items()
                          if quiz.phase != "finished")
            on_board(board.url, live)
    return ready


async def _run(scorer: Scorer, public: BrokerAddress,
               on_ready: Callable[[BrokerAddress], None]) -> None:
    task = asyncio.create_task(scorer.run(), name="scorer")
    ready = asyncio.create_task(scorer.connected.wait(), name="scorer-ready")
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if ready in done:
        on_ready(public)
    else:
        ready.cancel()
    await task
