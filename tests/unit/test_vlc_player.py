"""The libVLC player wrapper frees what it creates, once."""

from __future__ import annotations

from app.video.vlc_player import Player, VlcEngine


def test_releasing_a_player_twice_is_harmless() -> None:
    """A wall released by its owner and then by its window's close stopped a freed libVLC player:
    the process crashed (seen in a full run of the suite under load)."""
    player = Player(VlcEngine(extra_args=["--vout=dummy", "--aout=dummy"]))
    player.release()
    player.release()
    player.stop()
    assert player.state() == "stopped" and player.stats().displayed == 0
