"""``check``, the CI gate: round trips of every migration on a scratch database (``gate``)."""
