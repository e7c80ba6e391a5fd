"""Scan settings of a command: ``--config FILE`` (TOML), overridden by the flags given.

The file holds ScanParams keys at its top level::

    # dedup.toml
    passage_threshold = 0.4
    chain_min_score = 1.0
    boilerplate_min_docs = 5

An unknown key is an error that lists the valid ones; a value out of range names the file
and the key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dedup.core.errors import DedupError, ParamError
from dedup.core.params import ScanParams

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def read_config(path: Path) -> dict[str, Any]:
    """The ScanParams keys and values of the TOML file ``path``, checked.

    Raises
    ------
    DedupError
        The file cannot be read, is not TOML, holds a key ScanParams lacks (the message
        lists the valid ones) or a value out of its range.
    """
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise DedupError(f"{path}: cannot read the config file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DedupError(f"{path}: not valid TOML: {exc}") from exc
    valid = ScanParams().as_dict()
    unknown = sorted(set(data) - set(valid))
    if unknown:
        raise DedupError(f"{path}: unknown setting(s) {', '.join(map(repr, unknown))}; "
                         f"valid ones: {', '.join(sorted(valid))}")  # fmt: skip
    try:
        ScanParams(**data)
    except ParamError as exc:
        raise DedupError(f"{path}: {exc}") from exc
    return data


def given_params(args: argparse.Namespace) -> ScanParams | None:
    """The settings of ``--config`` and the setting flags, the flags winning; None when
    neither is given (an index then keeps the parameters stored in it)."""
    given = read_config(args.config) if args.config is not None else {}
    flags = {n: getattr(args, n) for n in ScanParams().as_dict() if getattr(args, n) is not None}
    given.update(flags)
    return ScanParams(**given) if given else None


def scan_params(args: argparse.Namespace) -> ScanParams:
    """The settings of a scan: the defaults, then ``--config``, then the flags."""
    return given_params(args) or ScanParams()
