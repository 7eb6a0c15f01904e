"""``python -m bench`` (``make bench``): every benchmark of the service, one after another."""

from __future__ import annotations

from bench import chats

if __name__ == "__main__":
    chats.main()
