"""What pmap's columns, modes and names mean, in every dialect: the vocabulary.

Header words are matched in English and in the gettext translations seen in
real output (German, French, Simplified Chinese, and a few more); a layout is
also recognised from the shape of its rows, so an unknown translation still
loads.

>>> perms_from_mode("r-x--"), perms_from_mode("rw-s-"), perms_from_mode("r--p"), perms_from_mode("rwxsR")
('r-xp', 'rw-s', 'r--p', 'rwxs')
>>> mapping_name("  [ anon ]", "procps")
(None, False, False, True)
>>> mapping_name("libc.so.6", "procps")
('libc.so.6', False, True, False)
>>> mapping_name("/usr/lib/libc.so.6 (deleted)", "procps")
('/usr/lib/libc.so.6', True, False, False)
>>> mapping_name("  [ stack ]", "procps")
('[stack]', False, False, False)
"""

from __future__ import annotations

import re

# Header words -> role. Roles are schema columns, or "address", "kbytes",
# "mode", "offset", "device", "inode", "mapping" (handled by the parsers).
HEADER_WORDS: dict[str, str] = {}


def _words(role: str, *words: str) -> None:
    for w in words:
        HEADER_WORDS[w.casefold()] = role


_words("address", "Address", "Adresse", "地址", "Adres", "Dirección", "Direccion", "Indirizzo", "Endereço",
       "Адрес", "アドレス", "Adresa", "Osoite", "位址", "Addr")
_words("kbytes", "Kbytes", "kByte", "kBytes", "kilo-octets", "Ko", "千字节", "Kbajty", "КБайт", "Кбайт")
_words("rss", "RSS")
_words("pss", "PSS")
_words("dirty", "Dirty", "Modifié", "Geändert", "脏", "Sucio")
_words("anonymous", "Anon")
_words("locked", "Locked")
_words("swap", "Swap")
_words("mode", "Mode", "Modus", "模式", "Modo", "Режим", "Perm", "Zugr", "权限", "Droits")
_words("offset", "Offset", "Versatz", "Décalage", "偏移量", "Desplazamiento", "Смещение")
_words("device", "Device", "Gerät", "Périphérique", "设备", "Dispositivo", "Устройство")
_words("inode", "Inode", "Inœud", "索引节点")
_words("mapping", "Mapping", "Zuordnung", "Carte", "映射", "Asignación", "Mapped")

# Footer words that may precede or follow the numbers (never data).
FOOTER_WORDS = {w.casefold() for w in (
    "total", "total:", "kb", "Kb", "KB", "gesamt", "ko", "总计", "合计", "Gesamt", "totale", "итого",
)}

ADDRESS = re.compile(r"[0-9A-Fa-f]{8,16}")
MODE = re.compile(r"[-r][-w][-xX][-sp][-R]?")
VALUE = re.compile(r"(\d+)[Kk]?|-")
DEVICE_D = re.compile(r"([0-9a-f]+):([0-9a-f]+)")
PID_LINE = re.compile(r"[ \t]*(\d+):([ \t]+)(.*?)[ \t]*")
SEPARATOR = re.compile(r"[ \t]*(?:-{4,}|={3,})[-= \t]*")
DELETED = " (deleted)"


def perms_from_mode(mode: str) -> str:
    """pmap's 5-character mode (or the raw 4-character perms) as the kernel's perms."""
    return mode[:3] + ("s" if mode[3] == "s" else "p")


def device_from_d(text: str) -> str | None:
    """``-d``'s device ``0fe:00000`` as the kernel prints it (``fe:00``).

    >>> device_from_d("0fe:00000"), device_from_d("103:00002"), device_from_d("000:0001b")
    ('fe:00', '103:02', '00:1b')
    """
    m = DEVICE_D.fullmatch(text)
    if not m:
        return None
    return f"{int(m.group(1), 16):02x}:{int(m.group(2), 16):02x}"


def mapping_name(text: str, family: str, full_paths: bool | None = None) -> tuple[str | None, bool | None, bool, bool]:
    """What pmap printed as a mapping's name -> ``(path, deleted, path_is_basename, name_lost)``.

    *family* is how the tool names mappings: ``procps`` (default, -x, -d and
    SUSE: ``[ anon ]`` hides every kernel name), ``extended`` (-X: smaps names,
    basenames), ``busybox`` (full path cut at the first blank, ``(deleted)``
    dropped), ``toybox`` (``[anon]``, kernel names kept) and ``solaris``.
    ``deleted`` is NA (None) where the tool drops the marker.
    """
    name = text.strip()
    if family == "busybox":
        if name in ("[ anon ]", ""):
            return None, None, False, False
        return name, None, False, False
    deleted = False
    if name.endswith(DELETED):
        name, deleted = name[: -len(DELETED)], True
    elif name.endswith("(deleted)"):
        name, deleted = name[: -len("(deleted)")].rstrip(), True
    if name == "":
        return None, deleted, False, False
    if name.startswith("[ ") and name.endswith(" ]"):
        inner = name[2:-2].strip()
        word = inner.split()[0] if inner else ""
        if word == "stack" and inner == "stack":
            return "[stack]", deleted, False, False
        if family == "solaris":
            if inner == "heap":
                return "[heap]", deleted, False, False
            m = re.fullmatch(r"stack tid=(\d+)", inner)
            if m:
                return f"[stack:{m.group(1)}]", deleted, False, False
            if inner == "anon":
                return None, deleted, False, False
            return name, deleted, False, False
        if "shmid=" in inner:
            return name, deleted, False, False
        # "[ anon ]" (or its translation): no path, or a kernel name pmap did not print
        return None, deleted, False, True
    if family == "toybox" and name == "[anon]":
        return None, deleted, False, False
    if name.startswith("["):
        return name, deleted, False, False
    if family == "solaris" and re.match(r"dev:\S+ ino:\d+", name):
        return name, deleted, False, True
    if name.startswith("/"):
        return name, deleted, False, False
    return name, deleted, True, False


def value_kb(token: str) -> int | None:
    """A value column: ``123``, ``123K`` -> 123; ``-`` -> None (the dialect is silent)."""
    if token == "-":
        return None
    if token[-1] in "Kk":
        token = token[:-1]
    return int(token)


def is_value(token: str) -> bool:
    return VALUE.fullmatch(token) is not None


def is_number_line(tokens: list[str]) -> bool:
    """A footer: numbers (possibly ``K``-suffixed or ``-``) among known footer words."""
    numbers = [t for t in tokens if is_value(t) and t != "-"]
    return bool(numbers)
