"""Rooms and folders of a school: the onboarding guide's rooms dashboard (sections 2, 4-7).

A service package, beside accounts and runs: :mod:`hub.rooms.rules` (every setting's rule),
:mod:`hub.rooms.checks` (a room checked against its school), :mod:`hub.rooms.store` (create,
change, delete, arrange), :mod:`hub.rooms.queries` (the contract's JSON, in order),
:mod:`hub.rooms.starter` (the starter pack), :mod:`hub.rooms.imports` (a rooms spreadsheet,
validated, previewed and applied: :func:`hub.rooms.imports.process_rooms_file`),
:mod:`hub.rooms.template` (the import template) and :mod:`hub.rooms.staffing` (what a sync that
deactivates teachers means for their rooms).
"""
