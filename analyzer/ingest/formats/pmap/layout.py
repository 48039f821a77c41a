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

from ...numbers import KB_MAX, checked_int, too_large

# Header words -> role. Roles are schema columns, or "address", "kbytes",
# "mode", "offset", "device", "inode", "mapping" (handled by the parsers).
HEADER_WORDS: dict[str, str] = {}


def _words(role: str, *words: str) -> None:
    for w in words:
        HEADER_WORDS[w.casefold()] = role


# Translations from the procps-ng 4.0.2 gettext catalogs (de es fr ka ko pl pt_BR ro sv uk vi zh_CN)
# and older releases; "Mapped File" is Solaris.
_words("address", "Address", "START", "Adresse", "地址", "Adres", "Dirección", "Endereço", "Adresă", "Adress", "Адреса",
       "Адрес", "Địa chỉ", "주  소", "მისამართი", "Indirizzo", "アドレス", "位址", "Addr")
_words("kbytes", "Kbytes", "SIZE", "kByte", "kBytes", "kilo-octets", "KB", "Kocteți", "kbyte", "Kbyte", "кбайтів",
       "კბაიტი", "千字节", "Кбайт")
_words("rss", "RSS")
_words("pss", "PSS", "ARSS")
_words("dirty", "Dirty", "Modifié", "Sucio", "Brudne", "Suja", "Murdar", "Smutsig", "Брудно", "Bẩn", "ბინძური")
_words("anonymous", "Anon")
_words("locked", "Locked")
_words("swap", "Swap", "Intercambio", "Éch", "swap", "Växl", "Своп", "TĐổi", "스  왑", "სვაპი")
_words("mode", "Mode", "Modus", "Modo", "Tryb", "Mod", "Läge", "Режим", "Chế độ", "모  드", "რეჟიმი", "模式",
       "Perm", "Zugr", "Uprawn", "Permisiuni", "Rtgh", "Доступ", "권  한", "პერმი")
_words("offset", "Offset", "Versatz", "Desplazamiento", "Décalage", "Deslocamento", "Poziție", "Avstånd",
       "Зміщення", "오프셋", "გადაწევა", "偏移量")
_words("device", "Device", "Gerät", "Dispositivo", "Périphérique", "Urządzenie", "Dispozitiv", "Enhet",
       "Пристрій", "Thiết bị", "장  치", "მოწყობილობა", "设备")
_words("inode", "Inode", "Inodo", "I-노드", "I-węzeł", "Nó-I", "Nod-i", "Inod")
_words("mapping", "Mapping", "Zuordnung", "Asignación", "Carte", "Odwzorowanie", "Mapeamento", "Atribuire",
       "Mappning", "Відповідність", "Ánh xạ", "매  핑", "მიბმა", "映射", "Mapped File")

# Header words holding blanks: joined with "_" (same byte length) before splitting.
MULTIWORD = sorted((w for w in HEADER_WORDS if " " in w), key=len, reverse=True)
for _w in MULTIWORD:
    HEADER_WORDS[_w.replace(" ", "_")] = HEADER_WORDS[_w]

# "[ stack ]" and "[ anon ]" as gettext translates them.
STACK_WORDS = {"stack", "pila", "pile", "stos", "pilha", "stivă", "стек", "ngăn xếp"}

# Footer words that may precede or follow the numbers (never data).
FOOTER_WORDS = {w.casefold() for w in (
    "total", "total:", "kb", "KB", "gesamt", "ko", "总计", "合计", "totalt", "razem", "загалом", "кБ", "k", "К",
    "tổng", "총계", "სულ", "კბ", "Kb",
)}

ADDRESS = re.compile(r"[0-9A-Fa-f]{8,16}")
MODE = re.compile(r"[-r][-w][-xX][-sp][-R]?")
VALUE = re.compile(r"(\d+)[Kk]?|-")
DEVICE_D = re.compile(r"([0-9a-f]+):([0-9a-f]+)")
PID_LINE = re.compile(r"[ \t]*(\d+):([ \t]+)(.*?)[ \t]*")
SEPARATOR = re.compile(r"[ \t]*(?:-{4,}|={3,})[-= \t]*")
DELETED = " (deleted)"

_MULTIWORD_RE = re.compile("|".join(r"(?<!\S)" + re.escape(w) + r"(?!\S)" for w in MULTIWORD), re.IGNORECASE)


def normalize_header(line: str) -> str:
    """Join the blanks inside translated header words (``주  소``, ``Địa chỉ``,
    ``Mapped File``) with underscores, keeping every column's byte position.

    >>> normalize_header(" Address  Kbytes     RSS    Anon  Locked Mode   Mapped File")
    ' Address  Kbytes     RSS    Anon  Locked Mode   Mapped_File'
    """
    if " " not in line.strip() or not _MULTIWORD_RE.search(line):
        return line
    return _MULTIWORD_RE.sub(lambda m: m.group().replace(" ", "_"), line)


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


def mapping_name(text: str, family: str) -> tuple[str | None, bool | None, bool, bool]:
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
        if inner.casefold() in STACK_WORDS:
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
    """A value column: ``123``, ``123K`` -> 123; ``-`` -> None (the dialect is silent).

    Raises ValueError for a number whose bytes do not fit a 64-bit column.
    """
    if token == "-":
        return None
    if token[-1] in "Kk":
        token = token[:-1]
    value = checked_int(token, limit=KB_MAX)
    if value is None:
        raise ValueError(too_large(token))
    return value


def is_value(token: str) -> bool:
    return VALUE.fullmatch(token) is not None
