"""``plan``: what each pending statement would do to the live database, before it runs.

``plan.review`` runs the pending migrations on a scratch database and observes each
statement (``observe``: locks from ``pg_locks``, rewrites from ``relfilenode``; ``kinds``:
scans known from the statement's kind, and documented locks for statements that run outside
a transaction), reads the target read-only (``target``: sizes, row estimates, lock holders),
and judges each statement (``verdict``, with the lock conflict table in ``locks``). The result
is plain data (``report``) for the renderers.
"""
