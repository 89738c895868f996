"""Reading and writing a curriculum folder.

```
curricula/<slug>/
  curriculum.yaml        slug, title, description, owner, version_notes, vocabulary
  modules/*.yaml         one module per file, in file-name order
  images/                images that questions name
```

The YAML loader keeps line numbers (ruamel.yaml round-trip mode), so every
problem is reported as ``file:line: message``. Files are size-limited before
they are parsed, and images pass the one image checker (core/uploads.py).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from training.core import uploads
from training.core.errors import InvalidInput
from training.curriculum.problems import ImageInfo, Problem, Result, Source
from training.curriculum.validation import validate

MAX_YAML_BYTES = 256 * 1024
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_MODULE_FILES = 200
# Question images: small icons are fine; GIF is accepted for diagrams drawn long ago.
IMAGE_LIMITS = uploads.ImageLimits(
    max_bytes=MAX_IMAGE_BYTES,
    max_pixels=4096 * 4096,
    min_side=1,
    max_side=8192,
    formats=("PNG", "JPEG", "GIF", "WEBP"),
)


@dataclass
class Loaded:
    """A folder read from disk: problems, or the canonical content and its images."""

    root: Path
    problems: list[Problem]
    content: dict[str, Any] | None = None
    images: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def find_curricula(path: Path) -> list[Path]:
    """``path`` is one curriculum folder, or a folder of them."""
    if (path / "curriculum.yaml").is_file():
        return [path]
    return sorted(child for child in path.iterdir() if (child / "curriculum.yaml").is_file())


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def parse_yaml(text: str, name: str) -> tuple[Any, list[Problem]]:
    """Parse one document; a syntax error becomes a problem at its line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _yaml().load(text), []
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = (error.problem or error.context or "invalid YAML").strip()
        return None, [Problem(name, line, (), f"invalid YAML: {what}")]
    except YAMLError as error:
        return None, [Problem(name, 1, (), f"invalid YAML: {str(error).splitlines()[0]}")]


def read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        return None, [Problem(name, 1, (), f"file is {size} bytes; the limit is {MAX_YAML_BYTES}")]
    try:
        return path.read_bytes().decode("utf-8"), []
    except UnicodeDecodeError as error:
        return None, [Problem(name, 1, (), f"file is not UTF-8 text ({error.reason})")]


def inspect_image(data: bytes) -> tuple[ImageInfo, str | None]:
    """Check that ``data`` is an image we can show (the one image checker, in
    core/uploads.py, with a curriculum's limits); return its size and media type.
    The bytes are not re-encoded: a curriculum is identified by its files' digests."""
    try:
        facts = uploads.inspect_image(data, IMAGE_LIMITS)
    except InvalidInput as error:
        return ImageInfo(error=" ".join(m for messages in error.problems.values() for m in messages)), None
    return ImageInfo(facts.width, facts.height), facts.mime


def load(root: Path) -> Loaded:
    """Read and validate one curriculum folder."""
    problems: list[Problem] = []
    head_name = f"{root.name}/curriculum.yaml"
    text, found = read_text(root / "curriculum.yaml", head_name)
    problems.extend(found)
    curriculum = None
    if text is not None:
        curriculum, found = parse_yaml(text, head_name)
        problems.extend(found)
    modules = []
    module_dir = root / "modules"
    files = (
        sorted(module_dir.glob("*.yaml")) + sorted(module_dir.glob("*.yml")) if module_dir.is_dir() else []
    )
    if len(files) > MAX_MODULE_FILES:
        problems.append(
            Problem(head_name, 1, (), f"{len(files)} module files; the limit is {MAX_MODULE_FILES}")
        )
        files = []
    for path in files:
        name = f"{root.name}/modules/{path.name}"
        text, found = read_text(path, name)
        problems.extend(found)
        if text is None:
            continue
        node, found = parse_yaml(text, name)
        problems.extend(found)
        if not found:
            modules.append((name, node))
    images: dict[str, bytes] = {}
    infos: dict[str, ImageInfo] = {}
    image_dir = root / "images"
    if image_dir.is_dir():
        for path in sorted(image_dir.iterdir()):
            if not path.is_file():
                continue
            if path.stat().st_size > MAX_IMAGE_BYTES:
                infos[path.name] = ImageInfo(
                    error=f"is {path.stat().st_size} bytes; the limit is {MAX_IMAGE_BYTES}"
                )
                continue
            data = path.read_bytes()
            infos[path.name], _ = inspect_image(data)
            images[path.name] = data
    if problems and curriculum is None:
        return Loaded(root, problems)
    result: Result = validate(Source(head_name, curriculum, modules, infos))
    problems.extend(result.problems)
    if problems:
        return Loaded(root, problems)
    assert result.content is not None
    used = {q["image"] for m in result.content["modules"] for q in m["questions"] if q["image"]}
    return Loaded(root, [], result.content, {name: data for name, data in images.items() if name in used})


def image_digests(images: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in images.items()}


# --- writing ---


def module_document(module: dict[str, Any]) -> dict[str, Any]:
    """A canonical module as it is written to its file (true/false as ``answer``)."""
    document = {key: value for key, value in module.items() if key != "questions"}
    document["references"] = [
        {key: value for key, value in ref.items() if value not in (None, False)}
        for ref in module["references"]
    ]
    questions = []
    for question in module["questions"]:
        item: dict[str, Any] = {
            "id": question["id"],
            "kind": question["kind"],
            "objective": question["objective"],
            "stem": question["stem"],
        }
        if question["kind"] == "true_false":
            item["answer"] = next(
                option["correct"] for option in question["options"] if option["id"] == "true"
            )
        elif question["kind"] != "hotspot":
            item["options"] = question["options"]
        if question["image"]:
            item["image"] = question["image"]
        if question["hotspots"]:
            item["hotspots"] = question["hotspots"]
        for name in ("refs", "tags"):
            if question.get(name):
                item[name] = question[name]
        item["explanation"] = question["explanation"]
        questions.append(item)
    document["questions"] = questions
    return document


def write(content: dict[str, Any], images: dict[str, bytes], root: Path) -> list[Path]:
    """Write a canonical content as a curriculum folder; return the files written."""
    yaml = _yaml()
    yaml.default_flow_style = False
    yaml.width = 100
    root.mkdir(parents=True, exist_ok=True)
    (root / "modules").mkdir(exist_ok=True)
    written = []
    head = root / "curriculum.yaml"
    with head.open("w", encoding="utf-8") as handle:
        yaml.dump(content["curriculum"], handle)
    written.append(head)
    for position, module in enumerate(content["modules"], start=1):
        path = root / "modules" / f"{position:02d}-{module['code'].lower()}.yaml"
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(module_document(module), handle)
        written.append(path)
    if images:
        (root / "images").mkdir(exist_ok=True)
        for name, data in images.items():
            path = root / "images" / name
            path.write_bytes(data)
            written.append(path)
    return written
