"""Bytes to text: UTF-8 when it is, a detected charset when it is not, a rejection otherwise."""

from __future__ import annotations

from charset_normalizer import from_bytes

from newsflow.producers.formats.base import FileRejected

# Share of control characters above which a file is taken to be binary.
_MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes) -> str:
    """Decode a file's bytes, or raise :class:`FileRejected` saying why it can't be text."""
    if not data.strip():
        raise FileRejected("EmptyFile", "the file is empty (or only whitespace); nothing to ingest")
    if b"\x00" in data[:8192]:
        raise FileRejected("BinaryFile", "the file contains NUL bytes: it is binary, not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_detected(data)
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > _MAX_CONTROL_SHARE * min(len(text), 65536):
        raise FileRejected("BinaryFile", "the file is mostly control characters: it is binary, not an article")
    return text


# Among encodings that decode a file equally cleanly, the ones news files are most often in.
# Short texts fit many DOS code pages too; picking those garbles accented letters.
_COMMON_LEGACY = ("cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "gb18030", "big5")


def _decode_detected(data: bytes) -> str:
    matches = list(from_bytes(data))
    if not matches:
        raise FileRejected(
            "UndecodableText",
            "the file is not valid UTF-8 and no other text encoding fits it; re-save it as UTF-8",
        )
    least_chaos = min(m.chaos for m in matches)
    clean = [m for m in matches if m.chaos <= least_chaos + 0.01]
    for encoding in _COMMON_LEGACY:
        for match in clean:
            if match.encoding == encoding:
                return str(match)
    return str(clean[0])
