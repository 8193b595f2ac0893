"""krb5.conf / kdc.conf ("profile") files as nested dicts.

A profile is ``{section: {key: value}}`` where a value is a string, int or bool,
a list of those (the key is repeated: ``kdc = a`` / ``kdc = b``), or a dict (a
``{ ... }`` subsection, as in ``[realms]``). In :func:`merge_profiles` a value of
``None`` removes the key.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

__all__ = ["Profile", "merge_profiles", "render_profile"]

#: A profile, or a section of one.
Profile = Dict[str, Any]


def merge_profiles(base: Mapping[str, Any], extra: Optional[Mapping[str, Any]]) -> Profile:
    """Return ``base`` updated by ``extra``, recursively; ``None`` deletes a key."""
    merged: Profile = {key: _copy(value) for key, value in base.items()}
    for key, value in (extra or {}).items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_profiles(merged[key], value)
        else:
            merged[key] = _copy(value)
    return merged


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return merge_profiles(value, None)
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        text = str(value)
        if "\n" in text:
            raise ValueError(f"profile value contains a newline: {text!r}")
        return text
    raise TypeError(f"unsupported profile value {value!r}")


def _render_relations(lines: list[str], relations: Mapping[str, Any], indent: str) -> None:
    for key, value in relations.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            lines.append(f"{indent}{key} = {{")
            _render_relations(lines, value, indent + "    ")
            lines.append(f"{indent}}}")
        elif isinstance(value, (list, tuple)):
            lines.extend(f"{indent}{key} = {_scalar(item)}" for item in value)
        else:
            lines.append(f"{indent}{key} = {_scalar(value)}")


def render_profile(profile: Mapping[str, Any]) -> str:
    """The text of a krb5.conf-style file."""
    lines: list[str] = []
    for section, relations in profile.items():
        if relations is None:
            continue
        if not isinstance(relations, Mapping):
            raise TypeError(f"profile section [{section}] must be a mapping")
        lines.append(f"[{section}]")
        _render_relations(lines, relations, "    ")
        lines.append("")
    return "\n".join(lines)
