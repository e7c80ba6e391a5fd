"""The package follows the data flow: a stage imports only the layers below it, and no
module outgrows one job. Read from the source with ``ast``, nothing imported."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dedup"
MAX_LINES = 400

# The layers, bottom first: the folders of the package in pipeline order, and within a
# folder the stages in the order data flows through them. A module imports only modules
# of its own layer or of a layer below; ``dedup/__init__.py`` (the lazy public API)
# stands above them all.
LAYERS: list[tuple[str, list[str]]] = [
    ("records and kernels", ["core.records", "core.errors", "core.params", "core.kernels",
                             "core.arrays", "core.pairs", "core.sequence", "core.memory",
                             "core.workers", "core.progress", "core.credits", "core.dates",
                             "core.offset_map", "core.roles"]),
    ("load", ["io.load_records", "io.load_files", "io.load_formats", "io.load", "io.outputs"]),
    ("normalize", ["analysis.normalize", "analysis.language"]),
    ("segment", ["analysis.segment"]),
    ("shingle", ["analysis.shingle", "analysis.unit_grams", "analysis.fingerprints"]),
    ("analysis of one document", ["analysis.analyze"]),
    ("minhash", ["candidates.minhash"]),
    ("lsh", ["candidates.lsh"]),
    ("passage similarity", ["candidates.similarity"]),
    ("features", ["candidates.features", "candidates.boilerplate"]),
    ("candidates", ["candidates.feature_table", "candidates.evidence", "candidates.passage_lsh",
                    "candidates.candidates", "candidates.word_runs"]),
    ("align and verify", ["alignment.dice", "alignment.anchors", "alignment.chain",
                          "alignment.align", "alignment.wordalign", "alignment.reuse",
                          "alignment.floor"]),
    ("score", ["scoring.score", "scoring.flows"]),
    ("cluster and attribute", ["scoring.attribute", "scoring.cluster"]),
    ("engines", ["engines.engine", "engines.pipeline", "engines.spark_io", "engines.spark_tables",
                 "engines.spark_lsh", "engines.spark_engine", "engines.spark",
                 "engines.spark_cluster"]),
    ("workflows", ["workflows.index_store", "workflows.index_sqlite", "workflows.index_redis",
                   "workflows.index_entry", "workflows.index_query", "workflows.index",
                   "workflows.overlap", "workflows.dedupe"]),
    ("report", ["report.console", "report.progress", "report.select", "report.terminal",
                "report.tables", "report.html", "report.corpus"]),
    ("cli", ["commands.settings", "commands.parser", "commands.common", "commands.scan",
             "commands.corpus", "cli", "__main__"]),
]  # fmt: skip
FOLDERS = ["core", "io", "analysis", "candidates", "alignment", "scoring", "engines",
           "workflows", "report", "commands"]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _layer_of() -> dict[str, int]:
    return {name: k for k, (_, names) in enumerate(LAYERS) for name in names}


def _imports(path: Path, name: str) -> set[str]:
    """The package's modules that ``path`` (module ``name``) imports, anywhere in it."""
    found = set()
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dedup.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(["dedup", *package[: len(package) - node.level + 1]])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if module == "dedup" or module.removeprefix("dedup.") in FOLDERS:
                found |= {f"{module}.{a.name}" for a in node.names}  # x may be a module
            elif module.startswith("dedup."):
                found.add(module)
    modules = _modules()
    return {m.removeprefix("dedup.") for m in found} & set(modules)


def test_every_module_has_a_layer() -> None:
    layers = _layer_of()
    named = [n for _, names in LAYERS for n in names]
    assert len(named) == len(set(named)), "a module is named in two layers"
    missing = sorted(set(_modules()) - set(layers) - {"", *FOLDERS})
    assert not missing, f"modules without a layer in LAYERS: {missing}"
    gone = sorted(set(layers) - set(_modules()))
    assert not gone, f"LAYERS names modules that do not exist: {gone}"


def test_no_stage_imports_a_later_stage() -> None:
    layers = _layer_of()
    wrong = []
    for name, path in _modules().items():
        if name not in layers:  # the package and subpackage __init__ files
            continue
        for imported in sorted(_imports(path, name)):
            if imported in layers and layers[imported] > layers[name]:
                wrong.append(f"{name} ({LAYERS[layers[name]][0]}) imports {imported} "
                             f"({LAYERS[layers[imported]][0]})")  # fmt: skip
    assert not wrong, "imports against the data flow:\n" + "\n".join(wrong)


def _line_counts() -> dict[str, int]:
    return {name: len(path.read_text(encoding="utf-8").splitlines())
            for name, path in _modules().items()}  # fmt: skip


def test_no_module_is_over_400_lines() -> None:
    long = {name: n for name, n in _line_counts().items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_a_later_import_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "segment.py"
    path.write_text("from dedup.candidates.candidates import x\nfrom . import normalize\n",
                    encoding="utf-8")
    assert _imports(path, "analysis.segment") == {"candidates.candidates", "analysis.normalize"}


def test_folders_run_in_pipeline_order() -> None:
    """Each folder's modules sit together in the layers, and the folders follow one another
    in the order of ``FOLDERS``: the layout on disk is the data flow."""
    order = [name.split(".")[0] for _, names in LAYERS for name in names if "." in name]
    runs = [f for k, f in enumerate(order) if k == 0 or order[k - 1] != f]
    assert runs == FOLDERS, f"folders out of pipeline order or split: {runs}"
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__", "__main__", "cli"], f"modules outside the folders: {flat}"
