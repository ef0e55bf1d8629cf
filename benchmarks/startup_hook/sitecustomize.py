"""Loaded at interpreter start by the `mhf` console script that bench_startup runs (this
folder is put on its PYTHONPATH): nothing of mhf is touched; when `textual.app` is first
imported, `App.run` is wrapped to run headless and to write "painted" on the first frame
that shows a password field (`startup_probe.report_first_paint`), so the parent times the
real command, process start to the lock screen."""

from __future__ import annotations

import importlib.util
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any


def _wrap_run(app_class: Any) -> None:
    run = app_class.run

    def run_headless_and_report(self: Any, *args: Any, **kwargs: Any) -> Any:
        from startup_probe import report_first_paint

        report_first_paint(self)
        return run(self, headless=True, size=(80, 24))

    app_class.run = run_headless_and_report


class _AfterTextualApp(MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> ModuleSpec | None:
        if name != "textual.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_wrap(module: ModuleType) -> None:
            exec_module(module)
            _wrap_run(module.App)

        spec.loader.exec_module = exec_and_wrap  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _AfterTextualApp())
