"""The sync engine: a provider's roster in, bulk writes out, in one direction.

``mapping -> planner -> plan -> safeguard -> apply`` (with ``stale`` guarding a held plan):

- :mod:`hub.engine.mapping`: a :class:`~hub.roster.RosterRecord` becomes the roles, names and
  email the hub stores, with a hash of that normalized record;
- :mod:`hub.engine.planner`: streams the records against the integration's memberships and
  builds a :class:`~hub.engine.plan.Plan` (what would change, counts, issues);
- :mod:`hub.engine.plan`: the plan and its named row types (plain data a held run keeps);
- :mod:`hub.engine.safeguard`: whether a plan is suspicious enough to hold;
- :mod:`hub.engine.apply`: writes a plan with bulk statements in the caller's transaction;
- :mod:`hub.engine.stale`: refuses a held plan whose rows moved on since it was made;
- :mod:`hub.engine.lookup`: the accounts behind a batch of emails.

The engine knows the database tables and nothing above them: no runs, no HTTP, no provider
(it reads the records it is handed) and no bot. :mod:`hub.runs` drives it.
"""
