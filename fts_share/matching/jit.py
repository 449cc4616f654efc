"""numba's ``njit``, applied when a module's kernels are first called.

Importing numba (with llvmlite) costs about 0.3 CPU-s, and every command that opens a
node imports the matching engine; most of them (a poll with nothing to screen, screening
off, ``fts-share user``) never run a kernel. A kernel module imports ``njit`` from here
instead of from numba: each kernel stays its Python function, wrapped in a
:class:`Kernel`, until one kernel of its module is called. Then numba is imported, every
kernel of that module is handed to ``numba.njit`` with its options, and the module's
names are rebound to numba's dispatchers, so that a kernel calling another kernel of its
module (or inlining it) finds a dispatcher, as numba requires, and later calls through
the module go to numba directly. The compiled code and numba's cache (``cache=True``,
keyed by the function's file and name) are the same as with ``numba.njit`` itself.

A kernel found in numba's cache is loaded without numba's typing and lowering
registries (:func:`_loading_cache`): numba's own cache loads them all before each load
(``Cache.load_overload`` calls ``target_context.refresh()``: ~90 modules, ~0.15 CPU-s
once per process), though machine code read from the cache needs only numba's runtime
(the NRT's symbols). A kernel not in the cache is compiled as before, and numba's
compiler loads the registries itself.

After the first kernel call of the process (numba imported, its runtime and first
kernels loaded: many long-lived objects) the heap is settled
(:func:`fts_share.heap.settle_once`), as it was when numba came in with the imports,
before the first poll.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from fts_share import heap

F = TypeVar("F", bound=Callable[..., Any])

_compiling = threading.Lock()


class Kernel:
    """A function that numba compiles on its module's first kernel call."""

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self.dispatcher: Any = None
        functools.update_wrapper(self, py_func)

    def __call__(self, *args: Any) -> Any:
        dispatcher = self.dispatcher
        if dispatcher is not None:
            return dispatcher(*args)
        result = self.compiled()(*args)
        heap.settle_once("numba loaded")
        return result

    def compiled(self) -> Any:
        """numba's dispatcher of this kernel (the module's kernels jitted first)."""
        with _compiling:
            if self.dispatcher is None:
                _jit_module(self.py_func.__globals__)
            if self.dispatcher is None:  # not a name of its module
                self.dispatcher = _dispatcher(self.py_func, self.options)
        return self.dispatcher


def _jit_module(names: dict[str, Any]) -> None:
    """Hand every kernel of the module whose globals are ``names`` to numba; rebind."""
    for name, value in list(names.items()):
        if isinstance(value, Kernel) and value.py_func.__globals__ is names:
            value.dispatcher = _dispatcher(value.py_func, value.options)
            names[name] = value.dispatcher


def _dispatcher(py_func: Callable[..., Any], options: dict[str, Any]) -> Any:
    """``numba.njit(**options)(py_func)``; with ``cache=True`` its cache is numba's
    own, loading as :func:`_loading_cache` does (same files, same keys)."""
    import numba

    loading = _loading_cache() if options.get("cache") else None
    if loading is None:
        return numba.njit(**options)(py_func)
    dispatcher = numba.njit(**{k: v for k, v in options.items() if k != "cache"})(py_func)
    dispatcher._cache = loading(py_func)
    return dispatcher


@functools.cache
def _loading_cache() -> type | None:
    """numba's ``FunctionCache``, whose loads initialise numba's runtime (the NRT, which
    compiled code that allocates arrays calls) instead of refreshing every typing and
    lowering registry of the target: code read from the cache is machine code, linked
    against the runtime's symbols, and is never typed or lowered again.

    It builds on numba's internals; ``None`` (numba's own cache, which loads the
    registries) when this numba lacks one of them."""
    from numba.core.caching import FunctionCache
    from numba.core.runtime import rtsys

    needed = ("_load_overload", "_guard_against_spurious_io_errors", "load_overload")
    if not all(hasattr(FunctionCache, name) for name in needed) or not hasattr(
            rtsys, "initialize"):
        return None

    class LoadingCache(FunctionCache):
        def load_overload(self, sig: Any, target_context: Any) -> Any:
            rtsys.initialize(target_context)
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)  # type: ignore[no-untyped-call]

    return LoadingCache


def njit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(**options)``, deferred until a kernel of the module is called (the
    kernel keeps its function's type)."""

    def wrap(py_func: F) -> F:
        return cast(F, Kernel(py_func, options))

    return wrap
