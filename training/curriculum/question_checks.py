"""The rules over a module's questions that the format alone cannot say: ids used
once, the objective and references they name, the images they show, and what each
kind needs (options with the right number of keys, a true/false answer, regions on
the image)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from training.curriculum.format import MAX_OPTIONS
from training.curriculum.problems import Checker, ImageInfo, LocatedQuestion, line_of

Path = tuple[str | int, ...]


def cited_refs(c: Checker, item: Any, value: Any, path: Path, known: set[str], what: str) -> list[str]:
    """The reference ids ``item`` names in ``refs``, each listed in the module (that there is
    at least one is the format's rule)."""
    if not isinstance(value, list):
        return []
    refs = []
    for ref in value:
        if not isinstance(ref, str) or ref not in known:
            c.add(
                item,
                "refs",
                (*path, "refs"),
                f"{what} cites unknown reference {ref!r} "
                f"(the module lists {', '.join(sorted(known)) or 'none'})",
            )
        elif ref not in refs:
            refs.append(ref)
    return refs


def read_questions(
    c: Checker,
    node: Mapping[str, Any],
    data: Mapping[str, Any],
    objective_ids: set[str],
    images: Mapping[str, ImageInfo],
    fmt: int = 1,
    reference_ids: set[str] | None = None,
) -> list[dict[str, Any]]:
    questions = []
    seen: set[str] = set()
    raw_items = node.get("questions")
    for index, clean in enumerate(data.get("questions") or []):
        if not isinstance(clean, dict) or not isinstance(raw_items, list):
            continue
        item = raw_items[index]
        path: Path = ("questions", index)
        key = clean.get("id", "")
        if key and key in seen:
            c.add(item, "id", (*path, "id"), f"duplicate question id '{key}'")
        seen.add(key)
        kind = clean.get("kind", "single")
        objective = clean.get("objective", "")
        if objective and objective not in objective_ids:
            c.add(
                item,
                "objective",
                (*path, "objective"),
                f"question {key} tests unknown objective '{objective}'",
            )
        question: dict[str, Any] = {
            "id": key,
            "kind": kind,
            "stem": clean.get("stem", ""),
            "explanation": clean.get("explanation", ""),
            "objective": objective,
            "image": _image(c, item, clean.get("image"), path, images),
        }
        question["options"] = _options(c, item, clean, path, kind)
        question["hotspots"] = _hotspots(c, item, path, kind, images.get(question["image"] or ""))
        if fmt >= 2:
            question["refs"] = cited_refs(
                c, item, clean.get("refs"), path, reference_ids or set(), f"question {key}"
            )
            question["tags"] = list(dict.fromkeys(clean.get("tags", [])))
            if kind == "multiple" and question["options"] and all(o["correct"] for o in question["options"]):
                c.add(
                    item,
                    "options",
                    (*path, "options"),
                    f"every option of question {key} is correct; a multiple-answer item needs a wrong option",
                )
        c.located.append(LocatedQuestion(c.file, line_of(item), path, question))
        questions.append(question)
    return questions


def _image(
    c: Checker, item: Mapping[str, Any], name: str | None, path: Path, images: Mapping[str, ImageInfo]
) -> str | None:
    if name is None:
        return None
    info = images.get(name)
    if info is None:
        c.add(item, "image", (*path, "image"), f"image '{name}' is missing from images/")
        return None
    if info.error:
        c.add(item, "image", (*path, "image"), f"image '{name}': {info.error}")
        return None
    return name


def _options(
    c: Checker, item: Mapping[str, Any], clean: Mapping[str, Any], path: Path, kind: str
) -> list[dict[str, Any]]:
    if kind == "true_false":
        answer = item.get("answer")
        if "options" in item:
            c.add(
                item,
                "options",
                (*path, "options"),
                "a true/false question has 'answer: true' or 'answer: false', not options",
            )
        if not isinstance(answer, bool):
            c.add(
                item,
                "answer" if "answer" in item else None,
                (*path, "answer"),
                "a true/false question needs 'answer: true' or 'answer: false'",
            )
            answer = True
        return [
            {"id": "true", "text": "True", "correct": answer},
            {"id": "false", "text": "False", "correct": not answer},
        ]
    if "answer" in item:
        c.add(
            item,
            "answer",
            (*path, "answer"),
            "'answer' is only for true/false questions; mark options correct",
        )
    if kind == "hotspot":
        if item.get("options"):
            c.add(item, "options", (*path, "options"), "a hotspot question has regions, not options")
        return []
    options = []
    seen: set[str] = set()
    raw_options = item.get("options")
    for index, option in enumerate(clean.get("options") or []):
        if not isinstance(option, dict) or not isinstance(raw_options, list):
            continue
        key = option.get("id") or f"?{index}"
        if key in seen:
            c.add(raw_options[index], "id", (*path, "options", index, "id"), f"duplicate option id '{key}'")
        seen.add(key)
        options.append({"id": key, "text": option.get("text", ""), "correct": option.get("correct", False)})
    correct_count = sum(1 for option in options if option["correct"])
    key_name = "options" if "options" in item else None
    if len(options) < 2:
        c.add(item, key_name, (*path, "options"), "a choice question needs at least two options")
    elif len(options) > MAX_OPTIONS:
        c.add(item, key_name, (*path, "options"), f"a question has at most {MAX_OPTIONS} options")
    if kind == "single" and options and correct_count != 1:
        c.add(
            item,
            key_name,
            (*path, "options"),
            f"a single-choice question needs exactly one correct option (it has {correct_count})",
        )
    if kind == "multiple" and options and correct_count < 1:
        c.add(
            item,
            key_name,
            (*path, "options"),
            "a multiple-response question needs at least one correct option",
        )
    return options


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _hotspots(
    c: Checker, item: Mapping[str, Any], path: tuple[str | int, ...], kind: str, image: ImageInfo | None
) -> list[dict[str, Any]]:
    if kind != "hotspot":
        if item.get("hotspots"):
            c.add(item, "hotspots", (*path, "hotspots"), "only hotspot questions have hotspots")
        return []
    if not item.get("image"):
        c.add(item, None, (*path, "image"), "a hotspot question needs an image")
    shapes = []
    entries = c.mapping_list(item, "hotspots", path)
    if not entries:
        c.add(
            item,
            "hotspots" if "hotspots" in item else None,
            (*path, "hotspots"),
            "a hotspot question needs at least one region",
        )
    for index, shape in entries:
        spath = (*path, "hotspots", index)
        kind_of_shape = shape.get("shape")
        fields = {"rect": ("x", "y", "w", "h"), "circle": ("cx", "cy", "r"), "polygon": ("points",)}.get(
            kind_of_shape if isinstance(kind_of_shape, str) else ""
        )
        if fields is None:
            c.add(
                shape,
                "shape" if "shape" in shape else None,
                (*spath, "shape"),
                "a region's shape must be rect, circle or polygon",
            )
            continue
        c.unknown_fields(shape, {"shape", *fields}, spath)
        clean: dict[str, Any] = {"shape": kind_of_shape}
        if kind_of_shape == "polygon":
            points = shape.get("points")
            good = (
                isinstance(points, list)
                and len(points) >= 3
                and all(isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in points)
            )
            if not good:
                c.add(
                    shape,
                    "points" if "points" in shape else None,
                    (*spath, "points"),
                    "a polygon needs at least three points [x, y] of non-negative numbers",
                )
                continue
            clean["points"] = [[p[0], p[1]] for p in points]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = (min(xs), min(ys), max(xs), max(ys))
        else:
            bad = [name for name in fields if not _number(shape.get(name))]
            if bad:
                c.add(
                    shape, None, spath, f"a {kind_of_shape} needs non-negative numbers for {', '.join(bad)}"
                )
                continue
            clean.update({name: shape[name] for name in fields})
            size_names = ("w", "h") if kind_of_shape == "rect" else ("r",)
            if any(shape[name] <= 0 for name in size_names):
                c.add(shape, None, spath, f"a {kind_of_shape} must have a size above zero")
                continue
            if kind_of_shape == "rect":
                box = (shape["x"], shape["y"], shape["x"] + shape["w"], shape["y"] + shape["h"])
            else:
                box = (
                    shape["cx"] - shape["r"],
                    shape["cy"] - shape["r"],
                    shape["cx"] + shape["r"],
                    shape["cy"] + shape["r"],
                )
        if image and image.width and (box[2] > image.width or box[3] > image.height or min(box[:2]) < 0):
            c.add(
                shape, None, spath, f"region {index + 1} lies outside the {image.width}x{image.height} image"
            )
        shapes.append(clean)
    return shapes
