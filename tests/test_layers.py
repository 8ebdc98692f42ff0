"""The structure holds. The layering: corpus <- index <- search <- webui <- cli / precedent.py, and no
import cycle between the project's modules (imports inside functions included) nor between its
packages. One feature, one room (issue 23): no private name imported across modules, no SQL outside
index/, no module over 800 lines, every feature package with a documented ``__init__`` listing its
public API in ``__all__``, no ``sys.path`` edited in benchmarks/ or tests/, no test file named after
the session or QA pass that wrote it.

Each check is a function over source text, tested first on small bad examples (so a check that
quietly finds nothing cannot pass), then run over the repository."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("corpus", "index", "search", "webui", "cli")
LAYERS = {"corpus": 0, "index": 1, "search": 2, "webui": 3, "cli": 4, "precedent": 4}
MAX_LINES = 800


def _modules(packages=PRODUCT, top=("precedent",)) -> dict[str, Path]:
    """{dotted module name: file} of the product (a package is named by its ``__init__.py``)."""
    out = {t: ROOT / f"{t}.py" for t in top}
    for pkg in packages:
        for p in (ROOT / pkg).rglob("*.py"):
            parts = p.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _base(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    """The absolute module an ``ImportFrom`` in module ``name`` imports from."""
    base = node.module or ""
    if node.level:
        up = (name if is_package else name.rpartition(".")[0]).split(".")
        up = up[: len(up) - (node.level - 1)]
        base = ".".join(up + ([base] if base else []))
    return base


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, name, path.name == "__init__.py")
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, set(mods)) for m, p in mods.items()}


def _related(a: str, b: str) -> bool:
    """``a`` and ``b`` are the same, or one is a package holding the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles of ``graph`` (at least one per strongly connected knot; a package and its own
    submodules do not count)."""
    state: dict[str, int] = {}
    found = []

    def visit(m, stack):
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if _related(m, t):
                continue
            if state.get(t) == 1:
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def package_graph(graph: dict[str, set[str]], packages: set[str]) -> dict[str, set[str]]:
    """The import graph between packages: a package imports what any module under it (at any depth)
    imports, from the packages holding it; a package and its own subpackages are not an edge."""
    def holders(m: str) -> list[str]:
        parts = m.split(".")
        own = [".".join(parts[:k]) for k in range(1, len(parts) + 1)]
        return [p for p in own if p in packages] or [m]  # a top-level module is its own node

    out: dict[str, set[str]] = {}
    for m, targets in graph.items():
        for p in holders(m):
            out.setdefault(p, set())
            for t in targets:
                out[p].update(q for q in holders(t) if not _related(p, q))
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(name: str, source: str, known: set[str], is_package: bool = False) -> list[tuple[str, str]]:
    """(module, private name) for every private name module ``name`` takes from another module of
    ``known``: ``from x import _y``, or ``x._y`` on a module ``x`` it imported (``import a.b as x``,
    ``from a import b``)."""
    tree = ast.parse(source)
    bad: list[tuple[str, str]] = []
    alias: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                local = a.asname or a.name.split(".")[0]  # import a.b binds a; import a.b as x binds x
                alias[local] = a.name if a.asname else local
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, name, is_package)
            for a in node.names:
                if f"{base}.{a.name}" in known:
                    alias[a.asname or a.name] = f"{base}.{a.name}"
                if _private(a.name) and base in known and base != name:
                    bad.append((base, a.name))

    def module_of(expr) -> str | None:
        if isinstance(expr, ast.Name):
            return alias.get(expr.id)
        if isinstance(expr, ast.Attribute):
            outer = module_of(expr.value)
            if outer and f"{outer}.{expr.attr}" in known:
                return f"{outer}.{expr.attr}"
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            m = module_of(node.value)
            if m in known and m != name:
                bad.append((m, node.attr))
    return sorted(set(bad))


SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH)\s+\S")  # a statement, not a bare word
SQL_CALLS = {"execute", "executemany", "executescript"}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def sql_in(source: str) -> list[str]:
    """What in ``source`` runs or spells SQL: ``.execute(`` / ``.executemany(`` / ``.executescript(``
    calls, and string literals (f-strings with their holes) opening with a statement keyword or
    holding `` FROM `` and `` WHERE ``. Docstrings are prose, not checked."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.append(f"line {node.lineno}: .{node.func.attr}(")
        elif isinstance(node, ast.JoinedStr):
            for part in node.values:
                skip.add(id(part))
            text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
            if SQL_START.match(text) or (" FROM " in text and " WHERE " in text):
                found.append(f"line {node.lineno}: {text[:60]!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if SQL_START.match(node.value) or (" FROM " in node.value and " WHERE " in node.value):
                found.append(f"line {node.lineno}: {node.value[:60]!r}")
    return found


SYS_PATH_TEXT = re.compile(r"sys\.path\s*(?:\.\s*(?:insert|append|extend)\b|\[|\+=|=(?!=))")


def sys_path_edits(source: str) -> list[str]:
    """Where ``source`` edits ``sys.path``: a call of any of its methods, an assignment to it or to
    an item of it, or code in a string (for a subprocess) that does."""
    def is_sys_path(x) -> bool:
        return isinstance(x, ast.Attribute) and x.attr == "path" and isinstance(x.value, ast.Name) and x.value.id == "sys"

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_sys_path(node.func.value):
            found.append(f"line {node.lineno}: sys.path.{node.func.attr}(")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if is_sys_path(t) or (isinstance(t, ast.Subscript) and is_sys_path(t.value)):
                    found.append(f"line {node.lineno}: sys.path assigned")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SYS_PATH_TEXT.search(node.value):
            found.append(f"line {node.lineno}: sys.path edited in a string")
    return found


SESSION_NAME = re.compile(r"^test_qa(?:_|\d|$)|_s\d+(?:_|$)|(?:^|_)round\d*(?:_|$)|(?:^|_)polish|(?:^|_)sessions?(?:_|\d|$)"
                          r"|(?:^|_)pass(?:_|\d|$)")


def named_after_a_session(stem: str) -> bool:
    """A test module named after the session or QA pass that wrote it (``test_qa_*``, ``*_s7``,
    ``*round2*``, ``*polish*``, ``*session*``, ``*pass*`` as words) rather than what it tests."""
    return bool(SESSION_NAME.search(stem))


def init_problems(source: str) -> list[str]:
    """What a feature package's ``__init__.py`` lacks: a docstring saying what the room is for, and
    ``__all__`` as a list of names it binds (its public API; none private)."""
    tree = ast.parse(source)
    out = []
    if not (ast.get_docstring(tree) or "").strip():
        out.append("no docstring")
    bound: set[str] = set()
    listed = None
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(t, ast.Name):
                    bound.add(t.id)
                    if t.id == "__all__":
                        listed = node.value
    if listed is None:
        return out + ["no __all__"]
    if not (isinstance(listed, (ast.List, ast.Tuple))
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in listed.elts)):
        return out + ["__all__ is not a list of names"]
    names = [e.value for e in listed.elts]
    out += [f"__all__ lists {n!r}, which it does not bind" for n in names if n not in bound]
    out += [f"__all__ lists the private {n!r}" for n in names if _private(n)]
    return out


# ------------------------------------------------------------------ the checks, on bad examples


def test_private_import_checker_finds_both_forms():
    known = {"corpus", "corpus.orgs", "corpus.orgs.keys", "index", "index.rows"}
    src = ("from corpus.orgs.keys import _norm, public\n"
           "import index.rows as rows\n"
           "from corpus import orgs\n"
           "import index.rows\n"
           "import os\n"
           "def f():\n"
           "    return rows._insert(1), orgs.keys._KEY, index.rows._x, os._exit, rows.__name__, rows.fine\n")
    assert private_imports("search.x", src, known) == [
        ("corpus.orgs.keys", "_KEY"), ("corpus.orgs.keys", "_norm"), ("index.rows", "_insert"), ("index.rows", "_x")]
    # a module's own private names, and relative imports resolved to the module itself, are fine
    assert private_imports("index.rows", "from index.rows import _a\nfrom . import rows\n", known) == []
    assert private_imports("corpus.orgs.other", "from .keys import _norm\n", known | {"corpus.orgs.other"}) == [
        ("corpus.orgs.keys", "_norm")]


def test_sql_checker_finds_calls_and_literals_not_prose():
    src = ('"""SELECT nothing: a docstring that reads like SQL FROM x WHERE y."""\n'
           'def f(conn, t):\n'
           '    """WITH a docstring, still prose."""\n'
           '    conn.execute("SELECT id FROM documents")\n'
           '    q = f"UPDATE {t} SET x = 1"\n'
           '    r = "  INSERT INTO findings VALUES (?)"\n'
           '    s = "a FROM b WHERE c"\n'
           '    return "Select the documents from the list where they are", "WITHDRAWN", "selected"\n')
    found = sql_in(src)
    assert len(found) == 5, found  # the call, its SELECT, the UPDATE f-string, the INSERT, FROM+WHERE
    assert sql_in('x = "select * from t where a"\ny = "CREATED by hand"\nMETHODS = {"POST", "DELETE", "UPDATE "}\n') == []


def test_package_cycle_checker_sees_rooms_not_modules():
    graph = {"search.ranking.ranker": {"search.screening.model"}, "search.screening.model": set(),
             "search.screening.features": {"search.ranking.text"}, "search.ranking.text": set(),
             "search.evaluate": {"search.ranking.ranker"}, "search.ranking.learned": {"search.evaluate"}}
    assert cycles(graph) == []  # no module cycle ...
    packages = {"search", "search.ranking", "search.screening"}
    pg = package_graph(graph, packages)
    assert pg["search.ranking"] == {"search.screening"} and pg["search.screening"] == {"search.ranking"}
    assert [sorted(set(c)) for c in cycles(pg)] == [["search.ranking", "search.screening"]]  # ... but a room cycle
    # a package and its own subpackages (search -> search.ranking -> search) are not a cycle
    del graph["search.screening.features"]
    assert cycles(package_graph(graph, packages)) == []


def test_module_cycle_checker_finds_a_cycle():
    assert cycles({"a.x": {"b.y"}, "b.y": {"a.x"}, "a": {"a.x"}, "a.x2": {"a"}}) == [["a.x", "b.y", "a.x"]]


def test_sys_path_checker_finds_calls_assignments_and_strings():
    src = ("import sys\n"
           "sys.path.insert(0, 'x')\n"
           "sys.path.append('y')\n"
           "sys.path = ['z']\n"
           "sys.path[0:0] = ['w']\n"
           "sys.path += ['v']\n"
           "code = 'import sys; sys.path.insert(0, sys.argv[1])'\n"
           "ok = [p for p in sys.path if p] and 'sys.path == x'\n")
    assert len(sys_path_edits(src)) == 6


def test_session_name_checker():
    bad = ["test_qa_pages", "test_pages_s7", "test_round2", "test_links_round", "test_polish_pages",
           "test_session6_linking", "test_sessions", "test_pass2", "test_final_pass", "test_qa"]
    good = ["test_finding_passages", "test_background", "test_compass", "test_surround", "test_pages",
            "test_possible_responses"]
    assert [s for s in bad if not named_after_a_session(s)] == []
    assert [s for s in good if named_after_a_session(s)] == []


def test_init_checker():
    assert init_problems("") == ["no docstring", "no __all__"]
    assert init_problems('"""Room."""\nfrom a.b import c\n__all__ = ["c", "d", "_e"]\n_e = 1\n') == [
        "__all__ lists 'd', which it does not bind", "__all__ lists the private '_e'"]
    assert init_problems('"""Room."""\nfrom a.b import c\n__all__ = names()\n') == ["__all__ is not a list of names"]
    assert init_problems('"""Room: what it is for."""\nfrom a.b import c as d\n__all__ = ["d"]\n') == []


# ------------------------------------------------------------------ the repository


def test_every_import_goes_down_the_layers():
    bad = [f"{m} -> {t}" for m, ts in _graph().items() for t in ts
           if LAYERS[t.split(".")[0]] > LAYERS[m.split(".")[0]]]
    assert bad == []


def test_no_import_cycle():
    assert cycles(_graph()) == []


def test_no_import_cycle_between_packages():
    mods = _modules()
    packages = {m for m, p in mods.items() if p.name == "__init__.py"}
    assert cycles(package_graph(_graph(), packages)) == []


def test_no_module_cycle_in_benchmarks():
    mods = {**_modules(), **_modules(("benchmarks",), ())}
    graph = {m: _imports(m, p, set(mods)) for m, p in mods.items()}
    assert cycles(graph) == []


def test_no_private_name_imported_across_modules():
    """Product modules take no private name from one another, benchmarks none from the product or
    from one another, and test files none from other test files or the test support modules
    (a test may still use the private names of the product module it tests)."""
    product = _modules()
    bench = _modules(("benchmarks",), ())
    tests = _modules(("tests",), ())
    known = set(product) | set(bench) | set(tests)
    bad = []
    for m, p in tests.items():  # a test may use its own module's privates, never another test file's
        bad += [f"{m}: {t}.{n}" for t, n in private_imports(m, p.read_text(), known, p.name == "__init__.py")
                if t.startswith("tests")]
    for m, p in {**product, **bench}.items():
        for target, name in private_imports(m, p.read_text(), known, p.name == "__init__.py"):
            bad.append(f"{m}: {target}.{name}")
    assert bad == []


def test_no_sql_outside_index():
    bad = [f"{m} {hit}" for m, p in _modules().items() if m.split(".")[0] != "index" for hit in sql_in(p.read_text())]
    assert bad == []


def test_no_module_over_800_lines():
    files = [*_modules().values(), *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    bad = [f"{p.relative_to(ROOT)}: {n}" for p in files if (n := len(p.read_text().splitlines())) > MAX_LINES]
    assert bad == []


def test_no_test_file_named_after_a_session():
    bad = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py") if named_after_a_session(p.stem)]
    assert bad == []


def test_no_sys_path_edit_in_benchmarks_or_tests():
    this = Path(__file__).resolve()  # its examples of what is refused are strings
    files = [p for d in ("benchmarks", "tests") for p in (ROOT / d).rglob("*.py") if p.resolve() != this]
    bad = [f"{p.relative_to(ROOT)} {hit}" for p in files for hit in sys_path_edits(p.read_text())]
    assert bad == []


def test_every_feature_package_has_a_documented_init_listing_its_api():
    bad = []
    for pkg in PRODUCT:
        for d in sorted({p.parent for p in (ROOT / pkg).rglob("*.py")}):
            if d == ROOT / pkg:
                continue  # the layer itself; its rooms are the packages inside it
            init = d / "__init__.py"
            problems = init_problems(init.read_text()) if init.exists() else ["no __init__.py"]
            bad += [f"{d.relative_to(ROOT)}: {x}" for x in problems]
    assert bad == []


def test_the_checkout_top_level_holds_only_the_projects_files():
    """Tests write into temporary folders, never into the checkout (a hostile --out value once left
    files named '²' and '<script>' at the top level, and they were committed)."""
    allowed = {"ARCHITECTURE.md", "README.md", "constraints.txt", "precedent.py", "pyproject.toml"}
    stray = sorted(p.name for p in ROOT.iterdir() if p.is_file() and not p.name.startswith(".") and p.name not in allowed)
    assert stray == [], stray
