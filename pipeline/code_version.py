"""What code a stage runs: the project modules its work reaches through imports, their digest,
and the versions of the third-party libraries they import.

The per-video work cache keys every entry by this digest (``pipeline.runner``), so editing any
module a stage's work can reach recomputes that stage's entries and no other stage's: nobody has
to remember to bump a version string. The import graph is read statically from the sources (every
``import`` statement, those inside functions included, so lazily imported backends count too;
imports under ``if TYPE_CHECKING:`` never run and do not count). The digest is taken over each
module's syntax tree without its docstrings, so comments, docstrings and formatting do not
change it. A data file beside a module (``plutchik.yaml``, a ``.pbtxt`` graph) counts only for
the modules whose code names it.
The same closure writes each DVC stage's code dependencies (``chfen dvc``).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "stages", "model", "chfen")


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
    tree = _parse(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_nodes(tree):
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


@functools.cache
def _parse(path: Path) -> ast.Module:
    """The syntax tree of ``path`` without its module, class and function docstrings: what its
    imports, its digest and the data files it names are all read from (parsed once a run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def normalised_source(path: Path) -> bytes:
    """What of a module can change what it does: its syntax tree without docstrings (so
    comments, docstrings and formatting are left out)."""
    return ast.dump(_parse(path)).encode()


def _named_data_files(path: Path) -> set[Path]:
    """The non-Python files beside module ``path`` whose names its code spells out."""
    beside = {p.name: p for p in path.parent.iterdir() if p.is_file() and p.suffix != ".py"}
    if not beside:
        return set()
    tree = _parse(path)
    return {
        beside[node.value]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in beside
    }


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
    """The modules' files plus the data files their code names (``pipeline/plutchik.yaml``
    for ``pipeline.plutchik`` only)."""
    files: set[Path] = set()
    for name in modules:
        path = module_file(name, root)
        if path is None:
            continue
        files.add(path)
        files.update(_named_data_files(path))
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
        data = normalised_source(path) if path.suffix == ".py" else path.read_bytes()
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
    """The code dependencies a DVC stage running ``python -m <module>`` declares: a package
    folder whole when the command runs any of its modules besides the ``params.py`` section
    schema and ``__init__.py`` (a folder dep covers every file in it, so it can only re-run a
    stage too often, never serve it stale); the files themselves otherwise. The per-video work
    cache keeps such a re-run cheap: it recomputes only what the stage's own work code reaches."""
    modules, _ = closure((f"{module}.__main__",), root)
    modules = _without_other_sections(modules, own=module)
    needed = {p.relative_to(root).as_posix() for p in source_files(modules, root)}
    deps: list[str] = []
    for folder in sorted({p.rpartition("/")[0] for p in needed}):
        inside = sorted(p for p in needed if p.rpartition("/")[0] == folder)
        whole = folder not in PACKAGES[1:2] and any(
            p.rpartition("/")[2] not in ("params.py", "__init__.py") for p in inside
        )
        deps += [folder] if whole else inside
    return _without_covered(deps)


def _without_other_sections(modules: tuple[str, ...], own: str) -> tuple[str, ...]:
    """``modules`` less the params sections of other packages that the command reaches only
    because ``pipeline.params`` composes every section: another stage's schema can decide
    whether ``params.yaml`` validates, never what this stage writes (the values this stage
    reads are DVC ``params`` of the stage)."""
    by_package: dict[str, set[str]] = {}
    for name in modules:
        package = name.removesuffix(".params")
        by_package.setdefault(package, set()).add(name)
    only_section = {
        package
        for package, names in by_package.items()
        if f"{package}.params" in names and names <= {package, f"{package}.params"}
    }
    return tuple(m for m in modules if m.removesuffix(".params") not in only_section - {own})


def _without_covered(deps: list[str]) -> list[str]:
    """``deps`` less the entries inside a folder that is itself listed."""
    folders = {d for d in deps if "." not in d.rpartition("/")[2]}
    return [d for d in deps if not any(d.startswith(f"{f}/") for f in folders)]
