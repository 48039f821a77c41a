"""``python -m analyzer`` is the ``memmaps`` command."""

from .cli import main

main()
