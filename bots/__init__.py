"""Chat bots. The Slack app (:mod:`bots.slack`, mounted by the service at ``/slack/events``)
is a thin layer over channel-neutral pieces a web chat could reuse:

- :mod:`bots.conversation` the school-admin upload dialogue (plain data in, replies out),
- :mod:`bots.state` its state in the database, :mod:`bots.replies` the reply types,
- :mod:`bots.reports` the words for upload results and runs.

Slack-specific: :mod:`bots.notify` (held and failed runs in the support channel, a plugin of
the ``rosterhub_run_finished`` hook), :mod:`bots.commands` (``/rosterhub`` and the Approve button),
:mod:`bots.resync` (queue runs, keep one progress message current), :mod:`bots.uploads`
(DM events and buttons), :mod:`bots.blocks` (Block Kit), :mod:`bots.delivery` and
:mod:`bots.slack_files` (messages and files through the Web API).
"""
