"""Sources: where an input's bytes come from - a file or standard input
(:mod:`.reader`, compression undone by magic), a directory walk, a tar or zip
stream (:mod:`.archive`, :mod:`.tarstream`). They yield members; nothing parses here."""
