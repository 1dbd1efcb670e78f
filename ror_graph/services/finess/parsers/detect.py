"""Recognise which FINESS format a file is in, from its first bytes, before anything is written."""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

import ijson

from ror_graph.services.finess.parsers.activites import FINESS_ACTIVITES
from ror_graph.services.finess.parsers.records import ETALAB, FHIR, FINESS_PLUS, FORMATS, FinessFormatError

HEAD_BYTES = 65536
#: Keys that may open a "FINESS Structures" document (both the sample and schema 1.0.1 layouts).
FINESS_PLUS_KEYS = {"schemaVersion", "generatedAt", "metadata", "gcc", "gco", "pmej"}
#: First field of an etalab line: the header comment (``finess;etalab;111;2026-05-12``) or a section.
ETALAB_SECTIONS = {"finess", "structureet", "structureej", "geolocalisation"}
FHIR_TYPES = {"Organization", "Location"}
#: Keys found only in a "FINESS Activités" document, under ``pmej[]`` and ``pmej[].ege[]``.
ACTIVITES_MARKERS = {("pmej.item", "activitesAutorisees"), ("pmej.item.ege.item", "activitesExercees")}
#: Every format name ``check_format`` accepts (the Structures formats plus "FINESS Activités").
ALL_FORMATS = (*FORMATS, FINESS_ACTIVITES)


def decode_line(raw: bytes, encoding: str = "utf-8") -> str:
    """Decode one line: the sniffed encoding first, then Windows-1252, then latin-1 (never fails)."""
    for candidate in (encoding, "cp1252", "latin-1"):
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_encoding(head: bytes) -> str:
    """UTF-8 when the first bytes decode as UTF-8 (a cut multi-byte tail is ignored), else cp1252."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a real error, not a character cut by the read size
            return "cp1252"
    return "utf-8"


def _first_json_key(stream: BinaryIO) -> str | None:
    try:
        for prefix, event, value in ijson.parse(stream):
            if prefix == "" and event == "map_key":
                return value
            if event != "start_map":
                return None
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError):
        return None
    return None


def _is_activites(head: bytes) -> bool:
    """Whether the first bytes of a FINESS+ JSON document show "Activités" keys.

    Both FINESS+ files open with ``schemaVersion``/``generatedAt``/``pmej``: only the keys inside a
    ``pmej`` item tell them apart. Reads ``head`` only (a bounded prefix), so a truncated document is fine.
    """
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if event == "map_key" and (prefix, value) in ACTIVITES_MARKERS:
                return True
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError):
        return False
    return False


def detect_format(stream: BinaryIO) -> str:
    """``finess-plus``, ``finess-activites``, ``etalab`` or ``fhir``; FinessFormatError otherwise. Rewinds."""
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    try:
        if body.startswith(b"{"):
            first_line = body.split(b"\n", 1)[0]
            try:
                resource = json.loads(first_line)
            except ValueError:
                resource = None
            if isinstance(resource, dict) and resource.get("resourceType") in FHIR_TYPES:
                return FHIR
            if _first_json_key(stream) in FINESS_PLUS_KEYS:
                return FINESS_ACTIVITES if _is_activites(body) else FINESS_PLUS
        else:
            header = decode_line(body.split(b"\n", 1)[0], sniff_encoding(head))
            row = next(csv.reader([header], delimiter=";"), [])
            if row and row[0].strip() in ETALAB_SECTIONS and len(row) >= 2:
                return ETALAB
    finally:
        stream.seek(0)
    preview = decode_line(body[:60]).replace("\n", "⏎")
    raise FinessFormatError(
        "Fichier non reconnu: ni FINESS+ JSON « FINESS Structures » / « FINESS Activités », "
        "ni CSV etalab (cs1100501/502/507), "
        f"ni FHIR NDJSON (Organization/Location). Début du fichier: {preview!r}"
    )


def check_format(stream: BinaryIO, fmt: str) -> str:
    """Resolve ``auto`` or confirm an explicit format against the content; FinessFormatError if it differs."""
    if fmt != "auto" and fmt not in ALL_FORMATS:
        raise FinessFormatError(f"Format inconnu {fmt!r}: auto, {', '.join(ALL_FORMATS)}.")
    detected = detect_format(stream)
    if fmt not in ("auto", detected):
        raise FinessFormatError(f"Le fichier ne ressemble pas au format {fmt} (contenu reconnu: {detected}).")
    return detected
