"""Which character set a text upload was saved in, from its bytes.

Excel and LibreOffice save a CSV in one of four ways: "CSV UTF-8" (with or without a byte-order
mark), "Unicode text" (UTF-16 with a byte-order mark), plain "CSV" on Windows (Windows-1252) and
"CSV (Macintosh)" (Mac Roman). Nothing in the bytes says which of the last two a file is, and
each reads any byte at all, so the choice is made on how the names in the file look in each
reading. The rule (docs/school-admins.md says the same):

1. A UTF-16 byte-order mark: UTF-16. Valid UTF-8: UTF-8.
2. Otherwise both single-byte readings are looked at for *odd* characters: a symbol that does
   not belong in a roster (anything but a letter, a non-breaking space and the quotes, dashes,
   ellipsis, guillemets, ¡ ¿ and the few signs people type), a symbol inside a word (between
   two letters, where only an apostrophe fits), an opening quote right after a letter, a low
   quote (‚ „) right before one, or a capital inside a word ("JosŽ", "MŸller").
3. Mac Roman when its reading has no odd character while the Windows-1252 one has, or cannot
   be made at all (bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D mean nothing in Windows-1252 and
   ç, è, ê, ù, Å in Mac Roman). "Jos\\x8e" is "José" in Mac Roman and "JosŽ" in Windows-1252;
   "Jos\\xe9" is "José" in Windows-1252 and "JosÈ" in Mac Roman.
4. Otherwise Windows-1252, with a warning to check accented names, when it can be read; when
   it cannot, the file is refused with a message saying how to save it as UTF-8.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

UTF8 = "utf-8"
UTF16 = "utf-16"
WINDOWS_1252 = "cp1252"
MAC_ROMAN = "mac_roman"

SAVE_AS_UTF8 = "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8; LibreOffice: Save As > Text CSV, character set Unicode (UTF-8))"
NEXT_TIME = "save it as 'CSV UTF-8' next time"

# Signs a roster may hold outside words: a non-breaking space, quotes, dashes, the ellipsis,
# guillemets, Spanish inverted marks, degrees, currencies, © ® ™ and §.
_SIGNS = frozenset("\u00a0\u2019\u2018\u201c\u201d\u201a\u201e\u2013\u2014\u2026«»‹›¡¿°€£¥¢©®™§")
# Marks that open a quotation: never glued to the end of a word; and the low ones, which no
# name starts with (they are Ç and Ñ in Mac Roman).
_OPENING = frozenset("\u2018\u201c\u201a\u201e«‹¡¿")
_LOW = frozenset("\u201a\u201e")
_APOSTROPHE = "\u2019"
# Letters (to Unicode) that no name is spelled with: the florin sign.
_NOT_IN_NAMES = frozenset("ƒ")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CAPITALS = frozenset(("Lu", "Lt"))


class Undecodable(ValueError):
    """The bytes are no text this module can tell; the message says what to do."""


def decode(content: bytes) -> tuple[str, str | None, str]:
    """The text, a warning when the character set was a judgement (None when the file said),
    and the codec used."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode(UTF16), None, UTF16
        except UnicodeDecodeError:
            msg = f"the file says it is UTF-16 text but is not; {SAVE_AS_UTF8}"
            raise Undecodable(msg) from None
    try:
        return content.decode("utf-8-sig"), None, UTF8
    except UnicodeDecodeError:
        pass
    mac = content.decode(MAC_ROMAN)  # every byte means something in Mac Roman
    try:
        windows: str | None = content.decode(WINDOWS_1252)
    except UnicodeDecodeError:
        windows = None
    mac_reads = not has_odd(mac)
    if mac_reads and (windows is None or has_odd(windows)):
        return (
            mac,
            "the file is not UTF-8; its accented letters are where Excel's 'CSV (Macintosh)' "
            f"puts them, so it was read as Mac Roman; check accented names, or {NEXT_TIME}",
            MAC_ROMAN,
        )
    if windows is None:
        msg = f"the file is not UTF-8 text, and its accented letters read as neither Windows-1252 nor Mac Roman ('CSV (Macintosh)'); {SAVE_AS_UTF8}"
        raise Undecodable(msg)
    both = (
        " (if é shows as Ž or ü as Ÿ, the file was saved as 'CSV (Macintosh)', which these bytes cannot be told apart from)"
        if mac_reads
        else ""
    )
    return (
        windows,
        "the file is not UTF-8, so it was read as Windows-1252 (Western European); check "
        f"accented names{both}, or {NEXT_TIME}",
        WINDOWS_1252,
    )


def has_odd(text: str) -> bool:
    """Whether any non-ASCII character in ``text`` is out of place in a roster (rule 2)."""
    for found in _NON_ASCII.finditer(text):
        at = found.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if _odd(found.group(), before, after):
            return True
    return False


def _odd(char: str, before: str, after: str) -> bool:
    category = unicodedata.category(char)
    if category in _CAPITALS:
        return before.islower() or (before.isalpha() and after.islower())
    if category[0] == "L" and category != "Lm":  # Lm: the spacing accents ˆ ˜ are no letters
        return char in _NOT_IN_NAMES
    if char not in _SIGNS:
        return True
    if before.isalpha() and after.isalpha():
        return char != _APOSTROPHE
    return (char in _OPENING and before.isalpha()) or (char in _LOW and after.isalpha())
