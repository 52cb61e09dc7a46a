"""Fleets: one command across many databases (tenants, shards, regions, environments).

``targets`` reads the fleet (a TOML file, or a read-only query on a table of tenants);
``rollout`` runs any single-target operation of ``schemactl.operations`` on each target, in
waves (canary, stages) with bounded parallelism; ``summary`` is the result every renderer
reads; ``drift`` and ``compare`` are ``status`` and ``diff`` across a fleet.

A new command reaches a fleet the same way ``up`` does: ``flags.load(...)`` for the fleet,
then ``rollout.roll_out(fleet, action, policy)`` with an ``action(target, progress)`` that runs
the single-target operation on ``rollout.for_target(settings, target)``, then
``render.fleet`` for the table and ``--json``.
"""
