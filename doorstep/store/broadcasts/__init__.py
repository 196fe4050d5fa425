"""SQL for broadcasts: rows written set-based in chunks, lanes claimed and recorded per batch.

The modules: `rows` (the row types), `writing`, `claiming` (a lane's batch), `lanes` (recording
a batch, open lanes, beats, restarts, counts).
"""
