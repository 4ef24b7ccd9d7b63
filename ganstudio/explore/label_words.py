"""A label as people write it on the command line: its number or its name ('6', 'Shirt',
'shirt'), checked against the model; shared by ``project``, ``directions``, ``teach``."""

from __future__ import annotations

from ganstudio.errors import UserError


def label_from_text(text: str | None, spec, what: str = "--label") -> int | None:
    """The label number meant by ``text`` (None stays None)."""
    if text is None:
        return None
    if not spec.conditional:
        raise UserError("this checkpoint's model does not use labels")
    names = [str(n).lower() for n in (spec.label_names or ())]
    word = str(text).strip().lower()
    if word in names:
        return names.index(word)
    try:
        label = int(word)
    except ValueError:
        listed = ", ".join(map(str, spec.label_names or range(spec.num_classes)))
        raise UserError(f"{what} '{text}' is neither a number nor one of the labels "
                        f"({listed})") from None
    if not 0 <= label < spec.num_classes:
        raise UserError(f"{what} must be between 0 and {spec.num_classes - 1}")
    return label
