"""What code a stage runs: the project modules its work reaches through imports, their digest,
and the versions of the third-party libraries they import.

The per-video work cache keys every entry by this digest (``pipeline.runner``), so editing any
module a stage's work can reach recomputes that stage's entries and no other stage's: nobody has
to remember to bump a version string. The import graph is read statically from the sources (every
``import`` statement, those inside functions included), so lazily imported backends count too.
The same closure lets a test check that each DVC stage declares exactly the code it runs.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "stages", "model", "chfen")
DATA_SUFFIXES = (".yaml", ".yml", ".json")  # package data read by the modules beside them


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The source file of project module ``name`` (a module or a package's ``__init__``)."""
    if name.split(".")[0] not in PACKAGES:
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(path: Path, module: str) -> set[str]:
    """Every module name an ``import`` in ``path`` may load (``from a import b``: ``a`` and
    ``a.b``, since ``b`` may be a submodule); relative imports resolved against ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``: importing a module runs its packages' ``__init__`` first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@functools.cache
def closure(roots: tuple[str, ...], root: Path = ROOT) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(project modules, third-party top-level modules) reachable from ``roots`` by imports."""
    seen: set[str] = set()
    external: set[str] = set()
    todo = [n for r in roots for n in (*_parents(r), r)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name, root)
        if path is None:
            top = name.split(".")[0]
            if top not in PACKAGES and top not in sys.stdlib_module_names and top:
                external.add(top)
            continue
        seen.add(name)
        for imported in _imported_names(path, name):
            todo.extend(n for n in (*_parents(imported), imported) if n not in seen)
    return tuple(sorted(seen)), tuple(sorted(external))


def source_files(modules: Iterable[str], root: Path = ROOT) -> list[Path]:
    """The modules' files plus the package data beside them (e.g. ``pipeline/plutchik.yaml``)."""
    files: set[Path] = set()
    for name in modules:
        path = module_file(name, root)
        if path is None:
            continue
        files.add(path)
        files.update(p for p in path.parent.iterdir() if p.suffix in DATA_SUFFIXES)
    return sorted(files)


@functools.cache
def library_versions(top_modules: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(distribution, version) of every installed distribution providing one of the
    third-party modules (``cv2`` -> each OpenCV wheel installed, ``onnxruntime``, ``numpy``)."""
    providers = importlib.metadata.packages_distributions()
    found: set[tuple[str, str]] = set()
    for top in top_modules:
        for dist in providers.get(top, ()):
            try:
                found.add((dist.lower(), importlib.metadata.version(dist)))
            except importlib.metadata.PackageNotFoundError:
                continue
    return tuple(sorted(found))


@functools.cache
def code_version(roots: tuple[str, ...], root: Path = ROOT) -> str:
    """A digest of the sources reachable from ``roots`` and of the versions of the libraries
    they import: part of every work-cache key of the stage whose work lives in ``roots``."""
    modules, external = closure(roots, root)
    h = hashlib.sha256()
    for path in source_files(modules, root):
        data = path.read_bytes()
        h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    for dist, version in library_versions(external):
        h.update(f"{dist}=={version}\0".encode())
    return h.hexdigest()[:16]


def work_module(work: object) -> str:
    """The module a work function is defined in (through ``functools.partial`` and methods)."""
    while isinstance(work, functools.partial):
        work = work.func
    work = getattr(work, "__func__", work)
    name = getattr(work, "__module__", None)
    if not name:
        raise TypeError(f"cannot tell which module defines {work!r}")
    if name == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        name = spec.name if spec is not None else name
    return name


def dvc_code_deps(module: str, root: Path = ROOT) -> list[str]:
    """The code dependencies a DVC stage running ``python -m <module>`` must declare: every
    file it can import, a package folder standing for all of its files when it needs them all."""
    modules, _ = closure((f"{module}.__main__",), root)
    needed = {p.relative_to(root).as_posix() for p in source_files(modules, root)}
    deps: list[str] = []
    for folder in sorted({p.rpartition("/")[0] for p in needed}):
        present = {
            p.relative_to(root).as_posix()
            for p in (root / folder).iterdir()
            if p.suffix == ".py" or p.suffix in DATA_SUFFIXES
        }
        inside = sorted(p for p in needed if p.rpartition("/")[0] == folder)
        deps += [folder] if present == set(inside) and folder != "stages" else inside
    return deps
